import type { PoolsBuild } from './build-pools.js'
import {
  DEFAULT_NAME_TTL,
  DEFAULT_NS_TTL,
  DEFAULT_SOA_EXPIRE,
  DEFAULT_SOA_MINIMUM,
  DEFAULT_SOA_REFRESH,
  DEFAULT_SOA_RETRY,
  DEFAULT_SOA_TTL,
  DEFAULT_STATIC_TTL,
  MAX_CNAME_CHAIN,
  MAX_RECORDS_PER_ZONE,
  MAX_TTL,
  MAX_ZONES,
} from './constants.js'
import { configError } from './errors.js'
import type { ParsedIp } from './ip.js'
import type { Family, GlobalNameModel, NodeModel, PoolModel, SoaRecord, ZoneModel } from './model.js'
import { canonicalName, isInZone, parentName } from './names.js'
import { zoneFingerprint } from './serial.js'
import {
  keyPath,
  knownList,
  optionalInteger,
  type Problems,
  rejectUnknownKeys,
  requireAddress,
  requireArray,
  requireDomainName,
  requireObject,
  requireString,
} from './validate.js'
import type { ResourceRecord } from './wire/index.js'

const ZONE_KEYS = ['soa', 'ns', 'nsTtl', 'records']
const SOA_KEYS = ['mname', 'rname', 'serial', 'refresh', 'retry', 'expire', 'minimum', 'ttl']
const RECORD_KEYS = ['name', 'type', 'value', 'ttl']
const NAME_KEYS = ['pool', 'ttl']

export interface ZonesBuild {
  zones: Map<string, ZoneModel>
  nodes: Map<string, NodeModel>
  globals: Map<string, GlobalNameModel>
}

/**
 * Builds zones, their static records and the global names, each zone, record and name checked on its own (every
 * problem recorded in `problems`). `serialFor` decides the SOA serial from the zone's fingerprint (kept when nothing
 * changed, increased otherwise). Names on a pool in `pools.broken` are skipped: that pool's problems are reported.
 */
export function buildZones(
  rawZones: unknown,
  rawNames: unknown,
  pools: PoolsBuild,
  serialFor: (zone: string, fingerprint: string) => number,
  problems: Problems,
): ZonesBuild {
  const nodes = new Map<string, NodeModel>()
  const zones = new Map<string, ZoneModel>()
  const globals = new Map<string, GlobalNameModel>()
  const { zoneNames, brokenZones, complete } = zoneNamesOf(rawZones, problems)
  /** The zone a name belongs to: the longest configured zone that contains it. */
  const zoneOf = (name: string): string | undefined => {
    for (let candidate = name; ; candidate = parentName(candidate)) {
      if (zoneNames.has(candidate)) return candidate
      if (candidate === '') return undefined
    }
  }
  /** A name outside every zone is a problem only when no zone it may be in is itself at fault. */
  const outsideEveryZone = (name: string): boolean =>
    complete && ![...brokenZones].some((zone) => isInZone(name, zone))

  // Global names first: they are part of each zone's fingerprint.
  const namesByZone = new Map<string, { name: string; ttl: number; pool: unknown }[]>()
  const parsedNames: ParsedName[] = []
  const seenNames = new Set<string>()
  for (const parsed of globalNames(rawNames, pools, problems)) {
    const zone = zoneOf(parsed.name)
    if (zone === undefined) {
      if (outsideEveryZone(parsed.name))
        problems.add(configError(parsed.path, `'${parsed.name}' is not inside any zone of zones`))
      continue
    }
    if (seenNames.has(parsed.name)) {
      problems.add(configError(parsed.path, 'is defined twice'))
      continue
    }
    seenNames.add(parsed.name)
    if (parsed.pool === undefined) continue
    parsedNames.push(parsed)
    const list = namesByZone.get(zone) ?? []
    list.push({ name: parsed.name, ttl: parsed.ttl, pool: poolContent(parsed.pool) })
    namesByZone.set(zone, list)
  }

  const cnamePaths = new Map<string, string>()
  const zonesObject = rawZones as Record<string, unknown>
  for (const [name, key] of zoneNames) {
    const path = keyPath('zones', key)
    const zone = buildZone(name, zonesObject[key], path, namesByZone.get(name) ?? [], serialFor, problems)
    if (zone === undefined) continue
    zones.set(name, zone.model)
    for (const record of zone.records) {
      problems.check(undefined, () => {
        const owner = zoneOf(record.rr.name)
        if (owner !== name) {
          throw configError(record.path, `'${record.rr.name}' belongs to zone '${owner}', not '${name}'`)
        }
        addRecord(nodeFor(nodes, record.rr.name, zone.model), record.rr, record.path)
        if (record.rr.type === 'CNAME') cnamePaths.set(record.rr.name, record.path)
      })
    }
    nodeFor(nodes, name, zone.model)
  }
  // A zone nested in another makes the names between the two apexes empty non-terminals of the outer zone
  // (NXDOMAIN there would deny the nested zone to a QNAME-minimising resolver, RFC 8020).
  for (const name of zones.keys()) {
    const between = parentName(name)
    const outer = zones.get(zoneOf(between) ?? '')
    if (outer !== undefined && outer.name !== between) nodeFor(nodes, between, outer)
  }

  for (const { name, pool, ttl, path } of parsedNames) {
    const zone = zones.get(zoneOf(name) ?? '')
    if (zone === undefined || pool === undefined) continue
    problems.check(undefined, () => {
      const node = nodeFor(nodes, name, zone)
      if (node.cname)
        throw configError(path, `'${name}' already has a CNAME record; a name with a CNAME has no other data`)
      if (node.a.length > 0 || node.aaaa.length > 0) {
        throw configError(path, `'${name}' already has static A/AAAA records in zones.${zone.name}.records`)
      }
      const global = buildGlobal(name, pool, ttl)
      node.global = global
      globals.set(name, global)
    })
  }
  // In-zone name servers answer for their own addresses (the glue), unless the config already gives that name data;
  // in the zone that owns the name, which may be a zone nested below the one whose glue it is.
  const glue = new Set<ResourceRecord>()
  for (const zone of zones.values()) for (const rr of zone.glue) glue.add(rr)
  for (const rr of glue) {
    const owner = zones.get(zoneOf(rr.name) ?? '')
    if (owner === undefined) continue
    const node = nodeFor(nodes, rr.name, owner)
    if (node.global || node.cname) continue
    const list = rr.type === 'A' ? node.a : node.aaaa
    if (!list.every((existing) => glue.has(existing))) continue
    const address = (rr as { address: Uint8Array }).address
    if (!list.some((existing) => sameBytes((existing as { address: Uint8Array }).address, address)))
      list.push(rr)
  }
  checkCnameChains(nodes, cnamePaths, problems)
  return { zones, nodes, globals }
}

interface ZoneNames {
  /** Canonical name → the key the config wrote it as. */
  zoneNames: Map<string, string>
  /** Zones at fault (as well as they can be read): names inside them are not reported as outside every zone. */
  brokenZones: Set<string>
  /** False when the zones as a whole are at fault (not an object, none, too many): no name is judged by them. */
  complete: boolean
}

function zoneNamesOf(rawZones: unknown, problems: Problems): ZoneNames {
  const out: ZoneNames = { zoneNames: new Map(), brokenZones: new Set(), complete: false }
  const zonesObject = problems.check(undefined, () => requireObject(rawZones, 'zones'))
  if (zonesObject === undefined) return out
  const keys = Object.keys(zonesObject)
  if (keys.length === 0) {
    problems.add(configError('zones', 'must define at least one zone'))
    return out
  }
  if (keys.length > MAX_ZONES) {
    problems.add(configError('zones', `has ${keys.length} zones; at most ${MAX_ZONES}`))
    return out
  }
  out.complete = true
  for (const key of keys) {
    const path = keyPath('zones', key)
    const name = problems.check(undefined, () => requireDomainName(key, path))
    if (name === undefined) out.brokenZones.add(canonicalName(key))
    else if (out.zoneNames.has(name))
      problems.add(configError(path, `is the same zone as '${out.zoneNames.get(name)}'`))
    else out.zoneNames.set(name, key)
  }
  return out
}

interface ParsedName {
  name: string
  /** Undefined when the name's pool is at fault (reported there, or the name's own problem is). */
  pool: PoolModel | undefined
  ttl: number
  path: string
}

/** The global names whose own key is a domain name; every problem of their entries recorded. */
function globalNames(rawNames: unknown, pools: PoolsBuild, problems: Problems): ParsedName[] {
  if (rawNames === undefined) return []
  const namesObject = problems.check(undefined, () => requireObject(rawNames, 'names'))
  if (namesObject === undefined) return []
  const out: ParsedName[] = []
  for (const [key, raw] of Object.entries(namesObject)) {
    const path = keyPath('names', key)
    const before = problems.count
    const name = problems.check(undefined, () => requireDomainName(key, path))
    const entry = problems.check(undefined, () => requireObject(raw, path))
    if (entry === undefined) continue
    rejectUnknownKeys(entry, path, NAME_KEYS, problems)
    const poolName = problems.check(undefined, () => requireString(entry.pool, `${path}.pool`))
    const pool = poolName === undefined ? undefined : pools.pools.get(poolName)
    if (poolName !== undefined && pool === undefined && !pools.broken.has(poolName))
      problems.add(
        configError(
          `${path}.pool`,
          `'${poolName}' is not a pool in pools (pools: ${knownList([...pools.pools.keys(), ...pools.broken])})`,
        ),
      )
    const ttl = problems.check(DEFAULT_NAME_TTL, () =>
      optionalInteger(entry.ttl, `${path}.ttl`, 0, MAX_TTL, DEFAULT_NAME_TTL),
    )
    if (name === undefined) continue
    out.push({ name, pool: problems.count > before ? undefined : pool, ttl, path })
  }
  return out
}

/** A CNAME chain inside our zones must end (no loop) within MAX_CNAME_CHAIN steps, as the answer path follows it. */
function checkCnameChains(
  nodes: Map<string, NodeModel>,
  paths: Map<string, string>,
  problems: Problems,
): void {
  for (const [start, path] of paths) {
    let name = start
    for (let step = 0; ; step++) {
      const target = nodes.get(name)?.cname?.target
      if (target === undefined) break
      if (target === start || step >= MAX_CNAME_CHAIN) {
        problems.add(
          configError(path, `CNAME chain from '${start}' loops or is longer than ${MAX_CNAME_CHAIN} steps`),
        )
        break
      }
      name = target
    }
  }
}

function buildGlobal(name: string, pool: PoolModel, ttl: number): GlobalNameModel {
  const fallback: Record<Family, ResourceRecord[]> = { 4: [], 6: [] }
  if (pool.allDown.kind === 'fallback') {
    for (const ip of pool.allDown.addresses)
      fallback[ip.family].push(addressRecord(name, ttl, ip.family, ip.bytes))
  }
  return {
    name,
    pool,
    ttl,
    records: pool.members.map((m) => addressRecord(name, ttl, m.ip.family, m.ip.bytes)),
    fallback,
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

function addressRecord(name: string, ttl: number, family: Family, address: Uint8Array): ResourceRecord {
  return family === 4 ? { name, type: 'A', ttl, address } : { name, type: 'AAAA', ttl, address }
}

/** The node of `name`, created with every missing ancestor up to the zone apex (empty non-terminals). */
function nodeFor(nodes: Map<string, NodeModel>, name: string, zone: ZoneModel): NodeModel {
  let node = nodes.get(name)
  if (node) return node
  node = { name, zone, a: [], aaaa: [], txt: [], cname: undefined, global: undefined }
  nodes.set(name, node)
  for (let up = name; up !== zone.name; ) {
    up = parentName(up)
    if (nodes.has(up)) break
    nodes.set(up, { name: up, zone, a: [], aaaa: [], txt: [], cname: undefined, global: undefined })
  }
  return node
}

function addRecord(node: NodeModel, rr: ResourceRecord, path: string): void {
  const hasData = node.a.length + node.aaaa.length + node.txt.length > 0 || node.name === node.zone.name
  if (rr.type === 'CNAME') {
    if (node.cname || hasData)
      throw configError(path, `'${node.name}' has other data; a CNAME must be alone at its name`)
    node.cname = { name: rr.name, type: 'CNAME', ttl: rr.ttl, target: rr.target }
    return
  }
  if (node.cname) throw configError(path, `'${node.name}' has a CNAME record; it can have no other data`)
  if (rr.type === 'A') node.a.push(rr)
  else if (rr.type === 'AAAA') node.aaaa.push(rr)
  else if (rr.type === 'TXT') node.txt.push(rr)
}

interface BuiltZone {
  model: ZoneModel
  records: { rr: ResourceRecord; path: string }[]
}

/** A zone, or undefined when it is not an object; its problems are recorded (its records still checked). */
function buildZone(
  name: string,
  raw: unknown,
  path: string,
  globalNames: { name: string }[],
  serialFor: (zone: string, fingerprint: string) => number,
  problems: Problems,
): BuiltZone | undefined {
  const zone = problems.check(undefined, () => requireObject(raw, path))
  if (zone === undefined) return undefined
  rejectUnknownKeys(zone, path, ZONE_KEYS, problems)

  const nsTtl = problems.check(DEFAULT_NS_TTL, () =>
    optionalInteger(zone.nsTtl, `${path}.nsTtl`, 0, MAX_TTL, DEFAULT_NS_TTL),
  )
  const { ns, glue } = nameServers(name, zone.ns, `${path}.ns`, nsTtl, problems)

  const soaPath = `${path}.soa`
  const soa = problems.check({}, () => (zone.soa === undefined ? {} : requireObject(zone.soa, soaPath)))
  rejectUnknownKeys(soa, soaPath, SOA_KEYS, problems)
  const firstNs = (ns[0] as { target: string } | undefined)?.target ?? name
  const mname = problems.check(firstNs, () =>
    soa.mname === undefined ? firstNs : requireDomainName(soa.mname, `${soaPath}.mname`),
  )
  const rname = problems.check(`hostmaster.${name}`, () =>
    soa.rname === undefined ? `hostmaster.${name}` : mailboxName(soa.rname, `${soaPath}.rname`),
  )
  const timer = (key: 'refresh' | 'retry' | 'expire' | 'minimum' | 'ttl', fallback: number) =>
    problems.check(fallback, () => optionalInteger(soa[key], `${soaPath}.${key}`, 0, MAX_TTL, fallback))
  const timers = {
    refresh: timer('refresh', DEFAULT_SOA_REFRESH),
    retry: timer('retry', DEFAULT_SOA_RETRY),
    expire: timer('expire', DEFAULT_SOA_EXPIRE),
    minimum: timer('minimum', DEFAULT_SOA_MINIMUM),
  }
  const soaTtl = timer('ttl', DEFAULT_SOA_TTL)

  const rawRecords = problems.check([], () =>
    zone.records === undefined ? [] : requireArray(zone.records, `${path}.records`),
  )
  const records: BuiltZone['records'] = []
  if (rawRecords.length > MAX_RECORDS_PER_ZONE) {
    problems.add(
      configError(`${path}.records`, `has ${rawRecords.length} records; at most ${MAX_RECORDS_PER_ZONE}`),
    )
  } else {
    rawRecords.forEach((entry, index) => {
      const recordPath = `${path}.records[${index}]`
      for (const rr of staticRecords(name, entry, recordPath, problems))
        records.push({ rr, path: recordPath })
    })
  }

  // What the zone serves, not how the config spells it nor any health state: the same content on every node
  // gives the same fingerprint (and so the same serial). Record order is kept: it is the order of answers.
  const fingerprint = zoneFingerprint({
    zone: name,
    ns: ns.map((rr) => (rr as { target: string }).target),
    glue: glue.map(recordText),
    nsTtl,
    soa: { mname, rname, ...timers, ttl: soaTtl },
    records: records.map(({ rr }) => recordText(rr)),
    names: [...globalNames].sort((x, y) => (x.name < y.name ? -1 : 1)),
  })
  const fixed = soa.serial !== undefined && soa.serial !== 'auto'
  const serial = fixed
    ? problems.check(0, () => optionalInteger(soa.serial, `${soaPath}.serial`, 0, 0xffffffff, 0))
    : serialFor(name, fingerprint)
  const soaRecord: SoaRecord = { name, type: 'SOA', ttl: soaTtl, mname, rname, serial, ...timers }
  return {
    model: {
      name,
      soa: soaRecord,
      negativeSoa: { ...soaRecord, ttl: Math.min(soaTtl, timers.minimum) },
      ns,
      glue,
      fingerprint,
      serialMode: fixed ? 'fixed' : 'auto',
    },
    records,
  }
}

/** The zone's NS records and the glue of its in-zone name servers; every entry's problems recorded. */
function nameServers(
  zone: string,
  raw: unknown,
  path: string,
  nsTtl: number,
  problems: Problems,
): { ns: ResourceRecord[]; glue: ResourceRecord[] } {
  const ns: ResourceRecord[] = []
  const glue: ResourceRecord[] = []
  const nsList = problems.check([], () => requireArray(raw, path))
  if (Array.isArray(raw) && nsList.length === 0)
    problems.add(configError(path, 'must list at least one name server'))
  nsList.forEach((entry, index) => {
    const entryPath = `${path}[${index}]`
    const server = problems.check(undefined, () =>
      typeof entry === 'string' ? { name: entry } : requireObject(entry, entryPath),
    )
    if (server === undefined) return
    rejectUnknownKeys(server, entryPath, ['name', 'addresses'], problems)
    const target = problems.check(undefined, () => requireDomainName(server.name, `${entryPath}.name`))
    if (target === undefined) return
    ns.push({ name: zone, type: 'NS', ttl: nsTtl, target })
    problems.check(undefined, () => {
      for (const ip of glueAddresses(zone, target, server.addresses, `${entryPath}.addresses`, problems))
        glue.push(addressRecord(target, nsTtl, ip.family, ip.bytes))
    })
  })
  return { ns, glue }
}

function glueAddresses(
  zone: string,
  target: string,
  raw: unknown,
  path: string,
  problems: Problems,
): ParsedIp[] {
  const inZone = isInZone(target, zone)
  if (raw === undefined) {
    if (inZone) throw configError(path, `'${target}' is inside the zone, so it needs glue addresses`)
    return []
  }
  if (!inZone) throw configError(path, `'${target}' is outside the zone; glue is only for in-zone names`)
  const addresses = requireArray(raw, path)
  if (addresses.length === 0) throw configError(path, 'must list at least one address')
  const out: ParsedIp[] = []
  addresses.forEach((address, i) => {
    const ip = problems.check(undefined, () => requireAddress(address, `${path}[${i}]`))
    if (ip !== undefined) out.push(ip)
  })
  return out
}

/** A pool as far as answers go: no monitors, no health. */
function poolContent(pool: PoolModel): unknown {
  return {
    method: pool.method,
    maxAnswers: pool.maxAnswers,
    maxAnswersViaResolver: pool.maxAnswersViaResolver,
    allDown:
      pool.allDown.kind === 'fallback' ? pool.allDown.addresses.map((ip) => ip.text) : pool.allDown.kind,
    unknownAs: pool.unknownAs,
    members: pool.members.map((m) => ({
      name: m.name,
      address: m.ip.text,
      datacenter: m.datacenter,
      weight: m.weight,
      priority: m.priority,
      enabled: m.enabled,
    })),
  }
}

function recordText(rr: ResourceRecord): string {
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      return `${rr.name} ${rr.ttl} ${rr.type} ${Buffer.from(rr.address).toString('hex')}`
    case 'CNAME':
    case 'NS':
      return `${rr.name} ${rr.ttl} ${rr.type} ${rr.target}`
    case 'TXT':
      return `${rr.name} ${rr.ttl} TXT ${JSON.stringify(rr.text)}`
    case 'SOA':
      return `${rr.name} ${rr.ttl} SOA`
  }
}

function mailboxName(raw: unknown, path: string): string {
  const text = requireString(raw, path)
  const at = text.indexOf('@')
  if (at === -1) return requireDomainName(text, path)
  const local = text.slice(0, at)
  if (local === '' || local.includes('.') || local.includes('@')) {
    throw configError(path, `'${text}': the mailbox part must be one label without dots`)
  }
  return requireDomainName(`${local}.${text.slice(at + 1)}`, path)
}

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT'] as const
type StaticType = (typeof RECORD_TYPES)[number]

/** The records of one config entry (one per value); none when the entry has a problem (each recorded). */
function staticRecords(zone: string, raw: unknown, path: string, problems: Problems): ResourceRecord[] {
  const entry = problems.check(undefined, () => requireObject(raw, path))
  if (entry === undefined) return []
  const before = problems.count
  rejectUnknownKeys(entry, path, RECORD_KEYS, problems)
  const name = problems.check(undefined, () => recordName(zone, entry.name, `${path}.name`))
  const ttl = problems.check(DEFAULT_STATIC_TTL, () =>
    optionalInteger(entry.ttl, `${path}.ttl`, 0, MAX_TTL, DEFAULT_STATIC_TTL),
  )
  const values = Array.isArray(entry.value) ? entry.value : [entry.value]
  if (values.length === 0) problems.add(configError(`${path}.value`, 'must not be an empty list'))
  const type = entry.type as StaticType
  if (!RECORD_TYPES.includes(type)) {
    problems.add(configError(`${path}.type`, "must be one of 'A', 'AAAA', 'CNAME', 'TXT'"))
    return []
  }
  if (type === 'CNAME' && values.length > 1)
    problems.add(configError(`${path}.value`, 'a name has at most one CNAME target'))
  const records: ResourceRecord[] = []
  values.forEach((value, index) => {
    const valuePath = Array.isArray(entry.value) ? `${path}.value[${index}]` : `${path}.value`
    const rr = problems.check(undefined, () => staticRecord(type, name ?? zone, ttl, value, valuePath))
    if (rr !== undefined) records.push(rr)
  })
  return problems.count > before ? [] : records
}

function recordName(zone: string, raw: unknown, path: string): string {
  const text = requireString(raw, path)
  if (text === '@') return zone
  const full = requireDomainName(text, path)
  if (isInZone(full, zone)) return full
  // A trailing dot makes a name absolute, as in a zone file: never re-rooted into this zone.
  if (text.endsWith('.'))
    throw configError(
      path,
      `'${text}' is an absolute name outside the zone '${zone}' (drop the trailing dot for a name relative to it)`,
    )
  return requireDomainName(`${full}.${zone}`, path)
}

function staticRecord(
  type: StaticType,
  name: string,
  ttl: number,
  value: unknown,
  valuePath: string,
): ResourceRecord {
  switch (type) {
    case 'A':
    case 'AAAA': {
      const ip = requireAddress(value, valuePath)
      if ((ip.family === 4) !== (type === 'A')) {
        throw configError(
          valuePath,
          `'${value}' is an IPv${ip.family} address; an ${type} record needs IPv${type === 'A' ? 4 : 6}`,
        )
      }
      return addressRecord(name, ttl, ip.family, ip.bytes)
    }
    case 'CNAME':
      return { name, type: 'CNAME', ttl, target: requireDomainName(value, valuePath) }
    case 'TXT': {
      if (typeof value !== 'string') throw configError(valuePath, 'must be a string')
      if (Buffer.byteLength(value) > 4000) throw configError(valuePath, 'is longer than 4000 bytes')
      return { name, type: 'TXT', ttl, text: [value] }
    }
  }
}
