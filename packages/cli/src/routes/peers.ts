import { formatAddress, formatCidr, parseCidr, tryParseAddress, unmapAddress } from '@gslb/topology'
import { formatEndpoint } from '../config/addresses.js'
import { type Config, isNameBackend } from '../config/types.js'

/** An address the LB exchanges DICOM with, and why it is on the list (one address can be there for several reasons). */
export interface RoutePeer {
  address: string
  roles: string[]
  /** For a client subnet: another address of it, checked instead when `address` turns out to be this host. */
  fallback?: string
}

/**
 * Whom this node's forwarder talks to: first `extra` (addresses the operator names), then from its config each
 * service's servers (PACS), the pool members a name backend can resolve to (site VIPs), and one address in each client
 * subnet the config knows (topology datacenters, services' `allow` lists) standing for the modalities there.
 */
export function routePeers(config: Config, extra: readonly string[] = []): RoutePeer[] {
  const peers = new Map<string, RoutePeer>()
  const add = (address: string, role: string, fallback?: string) => {
    const peer = peers.get(address) ?? { address, roles: [], ...(fallback ? { fallback } : {}) }
    if (!peer.roles.includes(role)) peer.roles.push(role)
    peers.set(address, peer)
  }
  for (const address of extra) add(address, 'named with --to')
  const services = Object.entries(config.services ?? {})
  for (const [service, { backends }] of services)
    for (const backend of backends)
      if (!isNameBackend(backend))
        add(backend.address, `server ${formatEndpoint(backend.address, backend.port)} of service ${service}`)
  if (services.some(([, { backends }]) => backends.some(isNameBackend)))
    for (const [pool, { members }] of Object.entries(config.gslb?.pools ?? {}))
      for (const member of members) add(member.address, `member ${member.name} of pool ${pool}`)
  const clients = (cidr: string, role: string) => {
    const subnet = clientAddresses(cidr)
    if (subnet) add(subnet.address, subnet.label ? `${role} (${subnet.label})` : role, subnet.fallback)
  }
  for (const [datacenter, { cidrs }] of Object.entries(config.topology?.datacenters ?? {}))
    for (const cidr of cidrs) clients(cidr, `clients in datacenter ${datacenter}`)
  for (const [service, { allow }] of services)
    for (const cidr of allow ?? []) clients(cidr, `clients allowed by service ${service}`)
  return [...peers.values()]
}

/** Backend names this config's engine does not answer: their addresses come from elsewhere and need `--to`. */
export function namesResolvedElsewhere(config: Config): string[] {
  const zones = (config.gslb?.zones ?? []).map((z) => z.name.toLowerCase().replace(/\.$/, ''))
  const inZone = (name: string) => zones.some((zone) => name === zone || name.endsWith(`.${zone}`))
  const names = new Set<string>()
  for (const { backends } of Object.values(config.services ?? {}))
    for (const backend of backends)
      if (isNameBackend(backend) && !inZone(backend.name.toLowerCase().replace(/\.$/, '')))
        names.add(backend.name)
  return [...names]
}

/**
 * The address standing for a client subnet (its first host; the first address of a /31 or /127), another one (its
 * last host) for when that is this host, and the subnet's text for the role; none for "anyone" (/0).
 */
function clientAddresses(text: string): { address: string; fallback?: string; label?: string } | undefined {
  const cidr = parseCidr(text)
  const max = cidr.bytes.length * 8
  if (cidr.prefixLength === 0) return undefined
  if (cidr.prefixLength === max) return { address: formatAddress(cidr.bytes) }
  const first = Uint8Array.from(cidr.bytes)
  if (cidr.prefixLength === max - 1) return { address: formatAddress(first), label: formatCidr(cidr) }
  first[first.length - 1]! |= 1
  const last = Uint8Array.from(cidr.bytes)
  for (let bit = cidr.prefixLength; bit < max; bit++) last[bit >> 3]! |= 0x80 >> (bit & 7)
  last[last.length - 1]! &= 0xfe
  return { address: formatAddress(first), fallback: formatAddress(last), label: formatCidr(cidr) }
}

/**
 * A peer address as the operator typed it (`--to`), written the one way (IPv4-mapped as IPv4), or why it cannot be
 * one: not an address (a zone index included), or not one host (unspecified, broadcast, multicast).
 */
export function unicastPeer(text: string): { address: string } | { error: string } {
  const parsed = tryParseAddress(text)
  if (!parsed) return { error: 'is not an IP address (without a zone)' }
  const bytes = unmapAddress(parsed.bytes)
  if (bytes.every((b) => b === 0)) return { error: 'is the unspecified address, not a peer' }
  if (bytes.length === 4 && (bytes[0]! & 0xf0) === 0xe0)
    return { error: 'is a multicast address, not a peer' }
  if (bytes.length === 4 && bytes.every((b) => b === 255))
    return { error: 'is the broadcast address, not a peer' }
  if (bytes.length === 16 && bytes[0] === 0xff) return { error: 'is a multicast address, not a peer' }
  return { address: formatAddress(bytes) }
}
