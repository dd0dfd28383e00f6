import { formatAddress } from './address.js'
import { type Cidr, parseCidr } from './cidr.js'
import { MAX_PREFIXES } from './constants.js'
import { atPath, TopologyErrorCode, topologyError } from './errors.js'
import { PrefixMap } from './prefix-map.js'

/** A fixed set of prefixes for allow-lists: "is this address inside any of them?". */
export interface PrefixSet {
  /** Number of distinct prefixes. */
  readonly size: number
  /** True when `address` (text or 4/16 bytes) is inside one of the prefixes. Allocation-free. */
  has(address: string | Uint8Array): boolean
  /** The most specific prefix containing `address`, as given (canonical text), or undefined. */
  match(address: string | Uint8Array): Cidr | undefined
}

/**
 * Builds a {@link PrefixSet} from CIDR strings (or parsed {@link Cidr}s). IPv4 prefixes also contain the
 * IPv4-mapped IPv6 form of their addresses. Repeated prefixes are allowed. `name` is used in error paths,
 * e.g. `createPrefixSet(allow, 'services.pacs.allow')` → `services.pacs.allow[2]: '10.0.0.0/40': …`.
 * @throws TopologyError `GSLB_TOPOLOGY_INVALID_CIDR`, `GSLB_TOPOLOGY_OPTIONS_INVALID`
 */
export function createPrefixSet(cidrs: Iterable<string | Cidr>, name = 'cidrs'): PrefixSet {
  if (
    cidrs === null ||
    typeof cidrs !== 'object' ||
    typeof (cidrs as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw topologyError(TopologyErrorCode.OPTIONS_INVALID, 'must be an iterable of CIDR strings', {
      path: name,
    })
  }
  const map = new PrefixMap()
  const prefixes: Cidr[] = []
  let index = 0
  for (const item of cidrs) {
    const path = `${name}[${index++}]`
    if (index > MAX_PREFIXES) {
      throw topologyError(TopologyErrorCode.OPTIONS_INVALID, `more than ${MAX_PREFIXES} prefixes`, {
        path: name,
      })
    }
    let cidr: Cidr
    try {
      cidr = typeof item === 'string' ? parseCidr(item) : parseCidr(formatItem(item))
    } catch (error) {
      throw atPath(error, path)
    }
    if (map.insert(cidr, prefixes.length) < 0) prefixes.push(Object.freeze(cidr))
  }
  map.seal()
  const lookup = (address: string | Uint8Array): number => {
    if (typeof address === 'string') return map.lookupText(address)
    if (address instanceof Uint8Array) return map.lookupBytes(address)
    throw topologyError(TopologyErrorCode.INVALID_ADDRESS, `address must be a string or a Uint8Array`)
  }
  return {
    size: prefixes.length,
    has: (address) => lookup(address) >= 0,
    match: (address) => prefixes[lookup(address)],
  }
}

function formatItem(item: Cidr): string {
  if (
    item === null ||
    typeof item !== 'object' ||
    !(item.bytes instanceof Uint8Array) ||
    (item.bytes.length !== 4 && item.bytes.length !== 16)
  ) {
    throw topologyError(
      TopologyErrorCode.INVALID_CIDR,
      'must be a CIDR string or { family, bytes, prefixLength }',
    )
  }
  return `${formatAddress(item.bytes)}/${item.prefixLength}`
}
