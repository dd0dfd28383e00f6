import { createEngine } from '@gslb/engine'
import { createForwarder } from '@gslb/forwarder'
import { createResolver } from '@gslb/resolver'
import type { ConfigIssue } from '../errors.js'
import { ResolverSet } from '../node/address-sources.js'
import { engineConfig } from '../node/engine.js'
import { forwarderServices, resolverOptions } from '../node/mapping.js'
import type { Config } from './types.js'

/** Where an engine config path lives in the node config. */
function enginePath(path: string): string {
  if (path.startsWith('topology')) return path
  if (path.startsWith('ecs')) return `gslb.${path}`
  return `gslb.${path}`
}

/**
 * Builds (without starting) the engine, the forwarder and each resolver from the config, so that every rule the
 * libraries enforce is checked by `gslb-lb validate` too, not first at `run`. Nothing listens; nothing is scheduled.
 */
export function libraryIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const record = (where: string, error: unknown, path?: string) => {
    const message = error instanceof Error ? error.message : String(error)
    issues.push({
      path: path ?? where,
      message: path ? message.replace(`${path.replace(/^gslb\./, '')}: `, '') : message,
    })
  }
  if (config.gslb) {
    try {
      void createEngine({ config: engineConfig(config) }).close()
    } catch (error) {
      const path = (error as { path?: unknown }).path
      record('gslb', error, typeof path === 'string' && path ? enginePath(path) : undefined)
    }
  }
  for (const [name, resolver] of Object.entries(config.resolvers ?? {})) {
    try {
      // 'engine' becomes the engine's bound address at start; any valid endpoint stands in for it here.
      createResolver(resolverOptions(resolver, { address: '127.0.0.1', port: 53 }))
    } catch (error) {
      record(`resolvers.${name}`, error)
    }
  }
  if (config.services) {
    try {
      createForwarder({ services: forwarderServices(config), addressSource: new ResolverSet() })
    } catch (error) {
      record('services', error)
    }
  }
  return issues
}
