import { isIP } from 'node:net'
import type { ConfigIssue } from '../../errors.js'
import type { Config } from '../types.js'

/** What every check gets: the config, where to report, and the small lookups they share. */
export interface CheckContext {
  config: Config
  issue(path: string, message: string): void
  checkAddress(path: string, address: string): void
  checkMonitor(path: string, name: string | undefined): void
  checkDatacenter(path: string, name: string | undefined): void
  /** The names of a section for a message: `A, B`, or `none defined`. */
  known(map: Record<string, unknown>): string
}

export function checkContext(config: Config, issues: ConfigIssue[]): CheckContext {
  const issue = (path: string, message: string) => void issues.push({ path, message })
  const known = (map: Record<string, unknown>) => Object.keys(map).join(', ') || 'none defined'
  const monitors = config.monitors ?? {}
  const datacenters = config.topology?.datacenters ?? {}
  return {
    config,
    issue,
    known,
    checkAddress(path, address) {
      if (isIP(address) === 0) issue(path, `'${address}' is not an IPv4 or IPv6 address`)
    },
    checkMonitor(path, name) {
      if (name !== undefined && !Object.hasOwn(monitors, name))
        issue(path, `unknown monitor '${name}' (known: ${known(monitors)})`)
    },
    checkDatacenter(path, name) {
      if (name !== undefined && !Object.hasOwn(datacenters, name))
        issue(path, `unknown datacenter '${name}' (known: ${known(datacenters)})`)
    },
  }
}

/** A DNS name compared the way DNS compares it: case-insensitive, without the final dot. */
export function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}
