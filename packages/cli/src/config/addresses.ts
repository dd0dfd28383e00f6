import { isIP } from 'node:net'

/** `address[:port]` as written in a resolver's nameserver list: `10.0.0.2`, `127.0.0.1:5353`, `[::1]:53`, `::1`. */
export function parseHostPort(
  text: string,
  defaultPort: number,
): { address: string; port: number } | undefined {
  let address = text
  let port = defaultPort
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (bracketed) {
    address = bracketed[1]!
    if (bracketed[2] !== undefined) port = Number(bracketed[2])
  } else if (isIP(text) === 0) {
    const colon = text.lastIndexOf(':')
    if (colon <= 0) return undefined
    address = text.slice(0, colon)
    port = Number(text.slice(colon + 1))
    if (!/^\d+$/.test(text.slice(colon + 1))) return undefined
  }
  if (isIP(address) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined
  return { address, port }
}

export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.')
  const lower = address.toLowerCase()
  return lower === '::1' || lower.startsWith('::ffff:127.')
}

/** True when `address` is the wildcard of its family (0.0.0.0 or ::). */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::'
}

/** `address:port` for messages and keys, with brackets around IPv6 (@gslb/topology's, the one formatter). */
export { formatHostPort as formatEndpoint } from '@gslb/topology'
