/**
 * `@gslb/topology`: which datacenter a client is in, and which sites it should prefer.
 *
 * - Strict IPv4/IPv6 address and CIDR parsing and formatting (shared by the engine, forwarder and CLI).
 * - A longest-prefix-match trie from client prefixes to datacenters; IPv4-mapped IPv6 matches IPv4 prefixes.
 * - EDNS Client Subnet (RFC 7871) lookups that also give the SCOPE PREFIX-LENGTH of the answer.
 * - Site preference order for topology-based failover.
 *
 * @example
 * ```ts
 * import { createTopology } from '@gslb/topology'
 *
 * const topology = createTopology({
 *   datacenters: { siteA: ['10.1.0.0/16'], siteB: ['10.2.0.0/16', '2001:db8:2::/48'] },
 *   preferences: { siteA: ['siteB'] },
 * })
 * topology.lookup('10.1.2.3') // 'siteA'
 * topology.lookup('::ffff:10.2.0.9') // 'siteB'
 * topology.preferenceOrder('siteA', new Set(['siteB', 'siteA'])) // ['siteA', 'siteB']
 * ```
 * @packageDocumentation
 */

export {
  addressFamily,
  formatAddress,
  formatHostPort,
  fromIPv4Mapped,
  ipv4ToUint32,
  isIPv4Mapped,
  type ParsedAddress,
  parseAddress,
  toIPv4Mapped,
  tryParseAddress,
  unmapAddress,
} from './address.js'
export { type Cidr, cidrContains, formatCidr, parseCidr } from './cidr.js'
export {
  DATACENTER_NAME_PATTERN,
  MAX_ADDRESS_TEXT_LENGTH,
  MAX_DATACENTER_NAME_LENGTH,
  MAX_DATACENTERS,
  MAX_PREFIXES,
} from './constants.js'
export { isTopologyError, TopologyError, TopologyErrorCode } from './errors.js'
export { createPrefixSet, type PrefixSet } from './prefix-set.js'
export {
  createTopology,
  type SubnetMatch,
  type Topology,
  type TopologyMatch,
  type TopologyOptions,
} from './topology.js'
