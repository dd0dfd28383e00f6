import { isIP } from 'node:net'
import { formatEndpoint, isWildcard } from '../addresses.js'
import type { Config } from '../types.js'
import type { CheckContext } from './context.js'

interface Listener {
  path: string
  owner: string
  address: string
  port: number
}

/** No two TCP listeners of this node (engine, services, admin API) on one address:port. */
export function checkListenerClashes({ config, issue }: CheckContext): void {
  const listeners = tcpListeners(config)
  for (let i = 0; i < listeners.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = listeners[i]!
      const b = listeners[j]!
      if (a.port === 0 || a.port !== b.port) continue
      if (overlaps(a.address, b.address)) {
        issue(a.path, `${formatEndpoint(a.address, a.port)} is also used by ${b.owner} (${b.path})`)
      }
    }
  }
}

function tcpListeners(config: Config): Listener[] {
  const listeners: Listener[] = []
  for (const [i, endpoint] of (config.gslb?.listen ?? []).entries())
    listeners.push({ path: `gslb.listen[${i}]`, owner: 'the GSLB engine', ...endpoint })
  for (const [name, service] of Object.entries(config.services ?? {})) {
    for (const [i, endpoint] of service.listen.entries())
      listeners.push({ path: `services.${name}.listen[${i}]`, owner: `service '${name}'`, ...endpoint })
  }
  const admin = config.admin?.listen
  if (admin) listeners.push({ path: 'admin.listen', owner: 'the admin API', ...admin })
  return listeners
}

function overlaps(a: string, b: string): boolean {
  if (a === b) return true
  if (isIP(a) !== isIP(b)) return a === '::' || b === '::'
  return isWildcard(a) || isWildcard(b)
}
