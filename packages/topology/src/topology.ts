import { isIPv4Mapped } from './address.js'
import { type Cidr, formatCidr, ipv4CidrToPacked, parseCidr } from './cidr.js'
import {
  DATACENTER_NAME_PATTERN,
  MAX_DATACENTER_NAME_LENGTH,
  MAX_DATACENTERS,
  MAX_PREFIXES,
} from './constants.js'
import { atPath, quote, type TopologyError, TopologyErrorCode, topologyError } from './errors.js'
import { PrefixMap } from './prefix-map.js'

export interface TopologyOptions {
  /** Datacenter name → the client prefixes (CIDRs, or bare addresses as host prefixes) it serves. */
  readonly datacenters: Readonly<Record<string, readonly string[]>>
  /** Datacenter name → the datacenters to fall back to, most preferred first. */
  readonly preferences?: Readonly<Record<string, readonly string[]>>
}

/** The configured prefix an address matched. Shared, frozen objects: comparing by identity is fine. */
export interface TopologyMatch {
  readonly datacenter: string
  /** Canonical text of the configured prefix (`10.1.0.0/16`); IPv4-mapped prefixes are shown as IPv4. */
  readonly cidr: string
  readonly family: 4 | 6
  readonly prefixLength: number
}

/** Answer of {@link Topology.lookupSubnet}. */
export interface SubnetMatch {
  /** Datacenter whose prefix contains the whole client subnet, or undefined. */
  readonly datacenter: string | undefined
  readonly match: TopologyMatch | undefined
  /**
   * SCOPE PREFIX-LENGTH for the ECS option of the answer (RFC 7871 §7.2.1), in bits of the queried family.
   * Longer than the source length when the configuration splits the client subnet.
   */
  readonly scopePrefixLength: number
}

export interface Topology {
  /** Datacenter names in configuration order. */
  readonly datacenters: readonly string[]
  /** Number of configured prefixes. */
  readonly prefixCount: number
  /** True when `name` is a configured datacenter. */
  has(name: string): boolean
  /**
   * Datacenter of the longest configured prefix containing `address` (text, or 4/16 bytes), or undefined.
   * Allocation-free. @throws TopologyError `GSLB_TOPOLOGY_INVALID_ADDRESS`
   */
  lookup(address: string | Uint8Array): string | undefined
  /**
   * Like {@link lookup} for an IPv4 address held as an unsigned 32-bit integer.
   * @throws TopologyError `GSLB_TOPOLOGY_INVALID_ADDRESS` for anything but an integer 0-4294967295
   */
  lookupUint32(address: number): string | undefined
  /** The matched prefix itself (for explaining an answer), or undefined. Allocation-free. */
  match(address: string | Uint8Array): TopologyMatch | undefined
  /**
   * EDNS Client Subnet lookup: `address` holds at least the first `sourcePrefixLength` bits (an ECS ADDRESS
   * field, shorter than 4/16 bytes, is zero-padded; bits after the source length are ignored).
   * @throws TopologyError `GSLB_TOPOLOGY_OPTIONS_INVALID` for a bad family, length or byte count
   */
  lookupSubnet(family: 4 | 6, address: Uint8Array, sourcePrefixLength: number): SubnetMatch
  /**
   * Every datacenter in preference order for a client in `datacenter` (undefined: unknown client): its own,
   * then its configured fallbacks, then the rest in configuration order. Shared frozen array.
   * @throws TopologyError `GSLB_TOPOLOGY_UNKNOWN_DATACENTER`
   */
  preferenceList(datacenter: string | undefined): readonly string[]
  /**
   * The datacenters of `available` (e.g. those with healthy members) in preference order for a client in
   * `datacenter`. @throws TopologyError `GSLB_TOPOLOGY_UNKNOWN_DATACENTER` for a name not configured
   */
  preferenceOrder(datacenter: string | undefined, available: Iterable<string>): string[]
}

function optionError(path: string, reason: string): TopologyError {
  return topologyError(TopologyErrorCode.OPTIONS_INVALID, reason, { path })
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function namePath(section: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${section}.${name}` : `${section}[${quote(name)}]`
}

function checkName(name: string, path: string): void {
  if (name.length === 0 || name.length > MAX_DATACENTER_NAME_LENGTH || !DATACENTER_NAME_PATTERN.test(name)) {
    throw optionError(
      path,
      `datacenter name must be 1-${MAX_DATACENTER_NAME_LENGTH} letters, digits, '_', '.' or '-', starting with a letter or digit`,
    )
  }
}

function unknownDatacenter(path: string, name: string, known: readonly string[]): TopologyError {
  const list = known.length > 8 ? `${known.slice(0, 8).join(', ')}, …` : known.join(', ')
  return topologyError(
    TopologyErrorCode.UNKNOWN_DATACENTER,
    `unknown datacenter ${quote(name)} (configured: ${list || 'none'})`,
    { path },
  )
}

/** What a topology keeps about each configured prefix; index = the value stored in the trie. */
interface Entries {
  readonly datacenter: string[]
  readonly text: string[]
  /** Index of the entry within its datacenter's list (for error paths). */
  readonly position: number[]
}

/**
 * Builds an immutable topology; every problem in `options` is reported as a {@link TopologyError} naming
 * the entry (`datacenters.siteB[1]: '10.2.0.0/33': prefix length 33 is out of range 0-32`).
 */
export function createTopology(options: TopologyOptions): Topology {
  if (!isPlainObject(options)) throw optionError('options', 'must be an object with datacenters')
  for (const key of Object.keys(options)) {
    if (key !== 'datacenters' && key !== 'preferences') {
      throw optionError(`options.${key}`, "unknown option (expected 'datacenters' and 'preferences')")
    }
  }
  const { datacenters, preferences } = options
  if (!isPlainObject(datacenters)) {
    throw optionError('datacenters', 'must be an object mapping datacenter name to a list of CIDRs')
  }
  const names = Object.keys(datacenters)
  if (names.length > MAX_DATACENTERS) {
    throw optionError(
      'datacenters',
      `has ${names.length} datacenters, more than the limit ${MAX_DATACENTERS}`,
    )
  }
  const map = new PrefixMap()
  const entries: Entries = { datacenter: [], text: [], position: [] }
  for (const name of names) {
    const path = namePath('datacenters', name)
    checkName(name, path)
    const list: unknown = datacenters[name]
    if (!Array.isArray(list)) throw optionError(path, 'must be an array of CIDR strings')
    if (entries.text.length + list.length > MAX_PREFIXES) {
      throw optionError('datacenters', `more than ${MAX_PREFIXES} prefixes in total`)
    }
    for (let i = 0; i < list.length; i++) {
      const text: unknown = list[i]
      if (typeof text !== 'string')
        throw optionError(`${path}[${i}]`, `must be a CIDR string, got ${typeof text}`)
      const index = entries.text.length
      let previous: number
      const packed = ipv4CidrToPacked(text)
      if (packed >= 0) {
        const length = packed % 64
        previous = map.insertUint32((packed - length) / 64, length, index)
      } else {
        let cidr: Cidr
        try {
          cidr = parseCidr(text)
        } catch (error) {
          throw atPath(error, `${path}[${i}]`)
        }
        previous = map.insert(cidr, index)
      }
      if (previous >= 0) throw duplicate(entries, previous, name, text, `${path}[${i}]`)
      entries.datacenter.push(name)
      entries.text.push(text)
      entries.position.push(i)
    }
  }
  map.seal()
  const fallbacks = readPreferences(preferences, names)
  return new TopologyImpl(names, map, entries, fallbacks)
}

function duplicate(
  entries: Entries,
  previous: number,
  name: string,
  text: string,
  path: string,
): TopologyError {
  const firstName = entries.datacenter[previous]!
  const firstText = entries.text[previous]!
  const firstPath = `${namePath('datacenters', firstName)}[${entries.position[previous]}]`
  return topologyError(
    TopologyErrorCode.DUPLICATE_PREFIX,
    `prefix ${describe(firstName, parseCidr(firstText)).cidr} is already listed as ${firstPath} (${quote(firstText)})` +
      (firstName === name ? '' : '; a prefix can belong to one datacenter only'),
    { path, input: text },
  )
}

/** IPv4-mapped IPv6 prefixes are reported in their IPv4 form, the form they match in. */
function describe(datacenter: string, cidr: Cidr): TopologyMatch {
  if (cidr.family === 6 && cidr.prefixLength >= 96 && isIPv4Mapped(cidr.bytes)) {
    const v4: Cidr = { family: 4, bytes: cidr.bytes.slice(12), prefixLength: cidr.prefixLength - 96 }
    return { datacenter, cidr: formatCidr(v4), family: 4, prefixLength: v4.prefixLength }
  }
  return { datacenter, cidr: formatCidr(cidr), family: cidr.family, prefixLength: cidr.prefixLength }
}

function readPreferences(preferences: unknown, names: readonly string[]): Map<string, readonly string[]> {
  const result = new Map<string, readonly string[]>()
  if (preferences === undefined) return result
  if (!isPlainObject(preferences)) {
    throw optionError(
      'preferences',
      'must be an object mapping datacenter name to a list of datacenter names',
    )
  }
  const known = new Set(names)
  for (const name of Object.keys(preferences)) {
    const path = namePath('preferences', name)
    if (!known.has(name)) throw unknownDatacenter(path, name, names)
    const list: unknown = preferences[name]
    if (!Array.isArray(list)) throw optionError(path, 'must be an array of datacenter names')
    const seen = new Set<string>()
    for (let i = 0; i < list.length; i++) {
      const entryPath = `${path}[${i}]`
      const other: unknown = list[i]
      if (typeof other !== 'string')
        throw optionError(entryPath, `must be a datacenter name, got ${typeof other}`)
      if (!known.has(other)) throw unknownDatacenter(entryPath, other, names)
      if (other === name) {
        throw topologyError(
          TopologyErrorCode.INVALID_PREFERENCE,
          `${quote(other)} is the datacenter itself; it always comes first`,
          { path: entryPath },
        )
      }
      if (seen.has(other)) {
        throw topologyError(TopologyErrorCode.INVALID_PREFERENCE, `${quote(other)} is listed twice`, {
          path: entryPath,
        })
      }
      seen.add(other)
    }
    result.set(name, list as string[])
  }
  return result
}

class TopologyImpl implements Topology {
  readonly datacenters: readonly string[]
  readonly prefixCount: number
  private readonly map: PrefixMap
  private readonly entries: Entries
  /** Match objects, made on first use: most prefixes are never explained. */
  private readonly matches: (TopologyMatch | undefined)[]
  private readonly orders = new Map<string, readonly string[]>()
  private readonly defaultOrder: readonly string[]

  constructor(
    names: readonly string[],
    map: PrefixMap,
    entries: Entries,
    fallbacks: ReadonlyMap<string, readonly string[]>,
  ) {
    this.datacenters = Object.freeze([...names])
    this.prefixCount = entries.text.length
    this.map = map
    this.entries = entries
    this.matches = new Array(entries.text.length)
    this.defaultOrder = this.datacenters
    for (const name of names) {
      const order = [name, ...(fallbacks.get(name) ?? [])]
      const listed = new Set(order)
      for (const other of names) if (!listed.has(other)) order.push(other)
      this.orders.set(name, Object.freeze(order))
    }
  }

  has(name: string): boolean {
    return this.orders.has(name)
  }

  private index(address: string | Uint8Array): number {
    if (typeof address === 'string') return this.map.lookupText(address)
    if (address instanceof Uint8Array) return this.map.lookupBytes(address)
    throw topologyError(
      TopologyErrorCode.INVALID_ADDRESS,
      `address must be a string or a Uint8Array, got ${address === null ? 'null' : typeof address}`,
    )
  }

  private matchAt(index: number): TopologyMatch | undefined {
    if (index < 0) return undefined
    let match = this.matches[index]
    if (match === undefined) {
      const datacenter = this.entries.datacenter[index]!
      match = Object.freeze(describe(datacenter, parseCidr(this.entries.text[index]!)))
      this.matches[index] = match
    }
    return match
  }

  lookup(address: string | Uint8Array): string | undefined {
    const index = this.index(address)
    return index < 0 ? undefined : this.entries.datacenter[index]
  }

  lookupUint32(address: number): string | undefined {
    if (address >>> 0 !== address) {
      throw topologyError(
        TopologyErrorCode.INVALID_ADDRESS,
        `an IPv4 address as a number must be an integer 0-4294967295, got ${String(address)}`,
      )
    }
    const index = this.map.lookupUint32(address)
    return index < 0 ? undefined : this.entries.datacenter[index]
  }

  match(address: string | Uint8Array): TopologyMatch | undefined {
    return this.matchAt(this.index(address))
  }

  lookupSubnet(family: 4 | 6, address: Uint8Array, sourcePrefixLength: number): SubnetMatch {
    if (family !== 4 && family !== 6) throw optionError('family', `must be 4 or 6, got ${String(family)}`)
    const bits = family === 4 ? 32 : 128
    if (!Number.isInteger(sourcePrefixLength) || sourcePrefixLength < 0 || sourcePrefixLength > bits) {
      throw optionError(
        'sourcePrefixLength',
        `must be an integer 0-${bits}, got ${String(sourcePrefixLength)}`,
      )
    }
    if (!(address instanceof Uint8Array) || address.length > bits / 8) {
      const got = address instanceof Uint8Array ? `${address.length} bytes` : typeof address
      throw optionError(
        'address',
        `must be a Uint8Array of at most ${bits / 8} bytes for IPv${family}, got ${got}`,
      )
    }
    const needed = Math.ceil(sourcePrefixLength / 8)
    if (address.length < needed) {
      throw optionError(
        'address',
        `holds ${address.length} bytes but source prefix length ${sourcePrefixLength} needs ${needed}`,
      )
    }
    const match = this.matchAt(this.map.subnet(family, address, sourcePrefixLength))
    return { datacenter: match?.datacenter, match, scopePrefixLength: this.map.scope }
  }

  preferenceList(datacenter: string | undefined): readonly string[] {
    if (datacenter === undefined) return this.defaultOrder
    const order = this.orders.get(datacenter)
    if (order === undefined) throw unknownDatacenter('datacenter', String(datacenter), this.datacenters)
    return order
  }

  preferenceOrder(datacenter: string | undefined, available: Iterable<string>): string[] {
    const order = this.preferenceList(datacenter)
    if (
      typeof available !== 'object' ||
      available === null ||
      typeof (available as Partial<Iterable<string>>)[Symbol.iterator] !== 'function'
    ) {
      const got = available === null ? 'null' : typeof available
      throw optionError(
        'available',
        `must be an iterable of datacenter names (a Set or an array), got ${got}`,
      )
    }
    const wanted = available instanceof Set ? (available as ReadonlySet<string>) : new Set(available)
    for (const name of wanted) {
      if (!this.orders.has(name)) throw unknownDatacenter('available', String(name), this.datacenters)
    }
    const result: string[] = []
    for (const name of order) if (wanted.has(name)) result.push(name)
    return result
  }
}
