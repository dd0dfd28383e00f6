import type { ConfigIssue } from '../errors.js'
import { sourcePathOf } from './resolve.js'
import type { Config } from './types.js'

interface NodeSummary {
  node: string
  site?: string
  services: number
  pools: number
  resolvers: number
}

function summarize(config: Config): NodeSummary {
  return {
    node: config.node.name,
    ...(config.node.site ? { site: config.node.site } : {}),
    services: Object.keys(config.services ?? {}).length,
    pools: Object.keys(config.gslb?.pools ?? {}).length,
    resolvers: Object.keys(config.resolvers ?? {}).length,
  }
}

const counts = (n: NodeSummary) => `${n.services} service(s), ${n.pools} pool(s), ${n.resolvers} resolver(s)`

/**
 * What `validate` prints for the valid node configs of one file: a single node as before, a fleet with a line per
 * node. Warnings found in several nodes' views are listed once.
 */
export function fleetSummary(
  file: string,
  configs: Config[],
  warningsOf: (config: Config) => ConfigIssue[],
): { summary: Record<string, unknown> & { warnings: ConfigIssue[] }; lines: string[] } {
  const nodes = configs.map(summarize)
  const warnings = new Map<string, ConfigIssue>()
  const fleet = configs[0]?.fleet
  for (const config of configs) {
    for (const warning of warningsOf(config)) {
      const path = sourcePathOf(config, warning.path)
      const key = `${path}\u0000${warning.message}`
      const seen = warnings.get(key)
      if (!fleet?.fleetFile) warnings.set(key, warning)
      else if (seen) seen.nodes?.push(config.node.name)
      else warnings.set(key, { ...warning, path, nodes: [config.node.name] })
    }
  }
  if (!fleet?.fleetFile) {
    const only = nodes[0]!
    return {
      summary: {
        valid: true,
        file,
        ...only,
        ...(fleet ? { fingerprint: fleet.fingerprint } : {}),
        warnings: [...warnings.values()],
      },
      lines: [`${file}: valid (node ${only.node}; ${counts(only)})`],
    }
  }
  return {
    summary: {
      valid: true,
      file,
      fleet: { ...(fleet.name ? { name: fleet.name } : {}), fingerprint: fleet.fingerprint },
      nodes,
      warnings: [...warnings.values()],
    },
    lines: [
      `${file}: valid (fleet${fleet.name ? ` ${fleet.name}` : ''}; ${nodes.length} node(s) checked; fingerprint ${fleet.fingerprint})`,
      ...nodes.map((n) => `  node ${n.node}${n.site ? ` (site ${n.site})` : ''}: ${counts(n)}`),
    ],
  }
}
