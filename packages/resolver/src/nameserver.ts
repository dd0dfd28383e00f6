import { isIP } from 'node:net'
import { formatHostPort } from '@gslb/topology'
import { DEFAULT_PORT } from './constants.js'
import { invalidOption } from './errors.js'

/** A parsed nameserver address: always an IP literal (resolving a nameserver by name would be circular). */
export interface Nameserver {
  readonly host: string
  readonly port: number
  readonly family: 4 | 6
  /** Canonical `host:port` / `[v6]:port` form, used in events, errors and stats. */
  readonly label: string
}

/**
 * Parses `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]` or `[::1]:5353` (port 53 when omitted).
 * `option` names the option in the error, e.g. `nameservers[1]`.
 */
export function parseNameserver(input: unknown, option: string): Nameserver {
  if (typeof input !== 'string' || input.length === 0 || input.length > 64) {
    throw invalidOption(
      option,
      'expected "host:port" with an IPv4 or IPv6 address (e.g. "127.0.0.1:53", "[::1]:5353")',
    )
  }
  let host: string
  let portText: string | undefined
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(input)
  if (bracketed) {
    host = bracketed[1]!
    portText = bracketed[2]
  } else if (isIP(input) === 6) {
    host = input
  } else {
    const colon = input.lastIndexOf(':')
    host = colon === -1 ? input : input.slice(0, colon)
    portText = colon === -1 ? undefined : input.slice(colon + 1)
  }
  const family = isIP(host)
  if (family === 0) {
    throw invalidOption(
      option,
      `'${input}' is not an IP address (nameservers must be IP literals; IPv6 with a port is "[::1]:5353")`,
    )
  }
  if (bracketed && family !== 6) throw invalidOption(option, `'${input}': only IPv6 addresses go in brackets`)
  let port = DEFAULT_PORT
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
    if (!(port >= 1 && port <= 65_535)) throw invalidOption(option, `'${input}': port must be 1-65535`)
  }
  const label = formatHostPort(host, port)
  return { host, port, family: family as 4 | 6, label }
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/

/** Lower-cases and strips the trailing dot; throws naming `option` when `input` is not a host name. */
export function normalizeName(input: unknown, option = 'name'): string {
  if (typeof input !== 'string') throw invalidOption(option, 'expected a DNS name string')
  const name = input.endsWith('.') ? input.slice(0, -1).toLowerCase() : input.toLowerCase()
  if (name.length === 0 || name.length > 253)
    throw invalidOption(option, `'${input}' must be 1-253 characters`)
  if (isIP(name) !== 0) throw invalidOption(option, `'${input}' is an IP address: it needs no resolution`)
  for (const label of name.split('.')) {
    if (!LABEL.test(label)) {
      throw invalidOption(
        option,
        `'${input}' has an invalid label '${label}' (letters, digits, '-', '_'; 1-63 each)`,
      )
    }
  }
  return name
}
