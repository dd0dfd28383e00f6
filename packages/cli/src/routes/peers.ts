import { formatAddress, formatCidr, parseCidr } from '@gslb/topology'
import { formatEndpoint } from '../config/addresses.js'
import { type Config, isNameBackend } from '../config/types.js'

/** An address the LB exchanges DICOM with, and why it is on the list (one address can be there for several reasons). */
export interface RoutePeer {
  address: string
  roles: string[]
}

/**
 * Whom this node's forwarder talks to, from its config: each service's servers (PACS), the pool members a name
 * backend can resolve to (site VIPs), and one address in each client subnet the config knows (topology datacenters,
 * services' `allow` lists) standing for the modalities there; then `extra` (addresses the operator names).
 */
export function routePeers(config: Config, extra: readonly string[] = []): RoutePeer[] {
  const peers = new Map<string, RoutePeer>()
  const add = (address: string, role: string) => {
    const peer = peers.get(address) ?? { address, roles: [] }
    if (!peer.roles.includes(role)) peer.roles.push(role)
    peers.set(address, peer)
  }
  const services = Object.entries(config.services ?? {})
  for (const [service, { backends }] of services)
    for (const backend of backends)
      if (!isNameBackend(backend))
        add(backend.address, `server ${formatEndpoint(backend.address, backend.port)} of service ${service}`)
  if (services.some(([, { backends }]) => backends.some(isNameBackend)))
    for (const [pool, { members }] of Object.entries(config.gslb?.pools ?? {}))
      for (const member of members) add(member.address, `member ${member.name} of pool ${pool}`)
  for (const [datacenter, { cidrs }] of Object.entries(config.topology?.datacenters ?? {}))
    for (const cidr of cidrs) addClient(cidr, `clients in datacenter ${datacenter}`, add)
  for (const [service, { allow }] of services)
    for (const cidr of allow ?? []) addClient(cidr, `clients allowed by service ${service}`, add)
  for (const address of extra) add(address, 'named with --to')
  return [...peers.values()]
}

/** One address standing for a client subnet: its first host (its first address for a /31 or /127). */
function addClient(text: string, role: string, add: (address: string, role: string) => void): void {
  const cidr = parseCidr(text)
  if (cidr.prefixLength === 0) return // "anyone": not a subnet a route can be checked for
  const bytes = Uint8Array.from(cidr.bytes)
  const max = bytes.length * 8
  if (cidr.prefixLength < max - 1) bytes[bytes.length - 1]! |= 1
  add(formatAddress(bytes), cidr.prefixLength === max ? role : `${role} (${formatCidr(cidr)})`)
}
