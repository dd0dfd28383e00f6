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
import type { Family, GlobalNameModel, NodeModel, PoolModel, SoaRecord, ZoneModel } from './model.js'
import { isInZone, parentName } from './names.js'
import { zoneFingerprint } from './serial.js'
import {
  keyPath,
  optionalInteger,
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
 * Builds zones, their static records and the global names. `serialFor` decides the SOA serial from the zone's
 * fingerprint (kept when nothing changed, increased otherwise).
 */
export function buildZones(
  rawZones: unknown,
  rawNames: unknown,
  pools: Map<string, PoolModel>,
  serialFor: (zone: string, fingerprint: string) => number,
): ZonesBuild {
  const zonesObject = requireObject(rawZones, 'zones')
  const zoneKeys = Object.keys(zonesObject)
  if (zoneKeys.length === 0) throw configError('zones', 'must define at least one zone')
  if (zoneKeys.length > MAX_ZONES)
    throw configError('zones', `has ${zoneKeys.length} zones; at most ${MAX_ZONES}`)

  const zoneNames = new Map<string, string>()
  for (const key of zoneKeys) {
    const name = requireDomainName(key, keyPath('zones', key))
    if (zoneNames.has(name))
      throw configError(keyPath('zones', key), `is the same zone as '${zoneNames.get(name)}'`)
    zoneNames.set(name, key)
  }
  /** The zone a name belongs to: the longest configured zone that contains it. */
  const zoneOf = (name: string): string | undefined => {
    for (let candidate = name; ; candidate = parentName(candidate)) {
      if (zoneNames.has(candidate)) return candidate
      if (candidate === '') return undefined
    }
  }

  const nodes = new Map<string, NodeModel>()
  const zones = new Map<string, ZoneModel>()
  const globals = new Map<string, GlobalNameModel>()
  const cnamePaths = new Map<string, string>()

  // Global names first: they are part of each zone's fingerprint.
  const namesByZone = new Map<string, { name: string; ttl: number; pool: unknown }[]>()
  const namesObject = rawNames === undefined ? {} : requireObject(rawNames, 'names')
  const parsedNames: { name: string; pool: PoolModel; ttl: number; path: string }[] = []
  for (const key of Object.keys(namesObject)) {
    const path = keyPath('names', key)
    const name = requireDomainName(key, path)
    const entry = requireObject(namesObject[key], path)
    rejectUnknownKeys(entry, path, NAME_KEYS)
    const poolName = requireString(entry.pool, `${path}.pool`)
    const pool = pools.get(poolName)
    if (!pool) throw configError(`${path}.pool`, `'${poolName}' is not a pool in pools`)
    const ttl = optionalInteger(entry.ttl, `${path}.ttl`, 0, MAX_TTL, DEFAULT_NAME_TTL)
    const zone = zoneOf(name)
    if (!zone) throw configError(path, `'${name}' is not inside any zone of zones`)
    if (globals.has(name) || parsedNames.some((n) => n.name === name))
      throw configError(path, 'is defined twice')
    parsedNames.push({ name, pool, ttl, path })
    const list = namesByZone.get(zone) ?? []
    list.push({ name, ttl, pool: poolContent(pool) })
    namesByZone.set(zone, list)
  }

  for (const [name, key] of zoneNames) {
    const zone = buildZone(
      name,
      zonesObject[key],
      keyPath('zones', key),
      namesByZone.get(name) ?? [],
      serialFor,
    )
    zones.set(name, zone.model)
    for (const record of zone.records) {
      const owner = zoneOf(record.rr.name)
      if (owner !== name) {
        throw configError(record.path, `'${record.rr.name}' belongs to zone '${owner}', not '${name}'`)
      }
      addRecord(nodeFor(nodes, record.rr.name, zone.model), record.rr, record.path)
      if (record.rr.type === 'CNAME') cnamePaths.set(record.rr.name, record.path)
    }
    nodeFor(nodes, name, zone.model)
  }
  // A zone nested in another makes the names between the two apexes empty non-terminals of the outer zone
  // (NXDOMAIN there would deny the nested zone to a QNAME-minimising resolver, RFC 8020).
  for (const name of zoneNames.keys()) {
    const between = parentName(name)
    const outer = zoneOf(between)
    if (outer !== undefined && outer !== between) nodeFor(nodes, between, zones.get(outer)!)
  }

  for (const { name, pool, ttl, path } of parsedNames) {
    const zone = zones.get(zoneOf(name)!)!
    const node = nodeFor(nodes, name, zone)
    if (node.cname)
      throw configError(path, `'${name}' already has a CNAME record; a name with a CNAME has no other data`)
    if (node.a.length > 0 || node.aaaa.length > 0) {
      throw configError(path, `'${name}' already has static A/AAAA records in zones.${zone.name}.records`)
    }
    const global = buildGlobal(name, pool, ttl)
    node.global = global
    globals.set(name, global)
  }
  // In-zone name servers answer for their own addresses (the glue), unless the config already gives that name data;
  // in the zone that owns the name, which may be a zone nested below the one whose glue it is.
  const glue = new Set<ResourceRecord>()
  for (const zone of zones.values()) for (const rr of zone.glue) glue.add(rr)
  for (const rr of glue) {
    const node = nodeFor(nodes, rr.name, zones.get(zoneOf(rr.name)!)!)
    if (node.global || node.cname) continue
    const list = rr.type === 'A' ? node.a : node.aaaa
    if (!list.every((existing) => glue.has(existing))) continue
    const address = (rr as { address: Uint8Array }).address
    if (!list.some((existing) => sameBytes((existing as { address: Uint8Array }).address, address)))
      list.push(rr)
  }
  checkCnameChains(nodes, cnamePaths)
  return { zones, nodes, globals }
}

/** A CNAME chain inside our zones must end (no loop) within MAX_CNAME_CHAIN steps, as the answer path follows it. */
function checkCnameChains(nodes: Map<string, NodeModel>, paths: Map<string, string>): void {
  for (const [start, path] of paths) {
    let name = start
    for (let step = 0; ; step++) {
      const target = nodes.get(name)?.cname?.target
      if (target === undefined) break
      if (target === start || step >= MAX_CNAME_CHAIN) {
        throw configError(
          path,
          `CNAME chain from '${start}' loops or is longer than ${MAX_CNAME_CHAIN} steps`,
        )
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

function buildZone(
  name: string,
  raw: unknown,
  path: string,
  globalNames: { name: string }[],
  serialFor: (zone: string, fingerprint: string) => number,
): BuiltZone {
  const zone = requireObject(raw, path)
  rejectUnknownKeys(zone, path, ZONE_KEYS)

  const nsList = requireArray(zone.ns, `${path}.ns`)
  if (nsList.length === 0) throw configError(`${path}.ns`, 'must list at least one name server')
  const nsTtl = optionalInteger(zone.nsTtl, `${path}.nsTtl`, 0, MAX_TTL, DEFAULT_NS_TTL)
  const ns: ResourceRecord[] = []
  const glue: ResourceRecord[] = []
  nsList.forEach((entry, index) => {
    const entryPath = `${path}.ns[${index}]`
    const server = typeof entry === 'string' ? { name: entry } : requireObject(entry, entryPath)
    rejectUnknownKeys(server, entryPath, ['name', 'addresses'])
    const target = requireDomainName(server.name, `${entryPath}.name`)
    ns.push({ name, type: 'NS', ttl: nsTtl, target })
    const inZone = isInZone(target, name)
    if (server.addresses === undefined) {
      if (inZone)
        throw configError(
          `${entryPath}.addresses`,
          `'${target}' is inside the zone, so it needs glue addresses`,
        )
      return
    }
    if (!inZone)
      throw configError(
        `${entryPath}.addresses`,
        `'${target}' is outside the zone; glue is only for in-zone names`,
      )
    const addresses = requireArray(server.addresses, `${entryPath}.addresses`)
    if (addresses.length === 0) throw configError(`${entryPath}.addresses`, 'must list at least one address')
    addresses.forEach((address, i) => {
      const ip = requireAddress(address, `${entryPath}.addresses[${i}]`)
      glue.push(addressRecord(target, nsTtl, ip.family, ip.bytes))
    })
  })

  const soaPath = `${path}.soa`
  const soa = zone.soa === undefined ? {} : requireObject(zone.soa, soaPath)
  rejectUnknownKeys(soa, soaPath, SOA_KEYS)
  const mname =
    soa.mname === undefined
      ? (ns[0] as { target: string }).target
      : requireDomainName(soa.mname, `${soaPath}.mname`)
  const rname = soa.rname === undefined ? `hostmaster.${name}` : mailboxName(soa.rname, `${soaPath}.rname`)
  const timers = {
    refresh: optionalInteger(soa.refresh, `${soaPath}.refresh`, 0, MAX_TTL, DEFAULT_SOA_REFRESH),
    retry: optionalInteger(soa.retry, `${soaPath}.retry`, 0, MAX_TTL, DEFAULT_SOA_RETRY),
    expire: optionalInteger(soa.expire, `${soaPath}.expire`, 0, MAX_TTL, DEFAULT_SOA_EXPIRE),
    minimum: optionalInteger(soa.minimum, `${soaPath}.minimum`, 0, MAX_TTL, DEFAULT_SOA_MINIMUM),
  }
  const soaTtl = optionalInteger(soa.ttl, `${soaPath}.ttl`, 0, MAX_TTL, DEFAULT_SOA_TTL)

  const rawRecords = zone.records === undefined ? [] : requireArray(zone.records, `${path}.records`)
  if (rawRecords.length > MAX_RECORDS_PER_ZONE) {
    throw configError(`${path}.records`, `has ${rawRecords.length} records; at most ${MAX_RECORDS_PER_ZONE}`)
  }
  const records: BuiltZone['records'] = []
  rawRecords.forEach((entry, index) => {
    for (const rr of staticRecords(name, entry, `${path}.records[${index}]`)) {
      records.push({ rr, path: `${path}.records[${index}]` })
    }
  })

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
  let serialMode: 'auto' | 'fixed' = 'auto'
  let serial: number
  if (soa.serial === undefined || soa.serial === 'auto') serial = serialFor(name, fingerprint)
  else {
    serial = optionalInteger(soa.serial, `${soaPath}.serial`, 0, 0xffffffff, 0)
    serialMode = 'fixed'
  }
  const soaRecord: SoaRecord = { name, type: 'SOA', ttl: soaTtl, mname, rname, serial, ...timers }
  return {
    model: {
      name,
      soa: soaRecord,
      negativeSoa: { ...soaRecord, ttl: Math.min(soaTtl, timers.minimum) },
      ns,
      glue,
      fingerprint,
      serialMode,
    },
    records,
  }
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

function staticRecords(zone: string, raw: unknown, path: string): ResourceRecord[] {
  const entry = requireObject(raw, path)
  rejectUnknownKeys(entry, path, RECORD_KEYS)
  const rawName = requireString(entry.name, `${path}.name`)
  let name: string
  if (rawName === '@') name = zone
  else {
    const full = requireDomainName(rawName, `${path}.name`)
    name = isInZone(full, zone) ? full : requireDomainName(`${full}.${zone}`, `${path}.name`)
  }
  const ttl = optionalInteger(entry.ttl, `${path}.ttl`, 0, MAX_TTL, DEFAULT_STATIC_TTL)
  const values = Array.isArray(entry.value) ? entry.value : [entry.value]
  if (values.length === 0) throw configError(`${path}.value`, 'must not be an empty list')
  const type = entry.type
  return values.map((value, index) => {
    const valuePath = Array.isArray(entry.value) ? `${path}.value[${index}]` : `${path}.value`
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
        if (values.length > 1) throw configError(`${path}.value`, 'a name has at most one CNAME target')
        return { name, type: 'CNAME', ttl, target: requireDomainName(value, valuePath) }
      case 'TXT': {
        if (typeof value !== 'string') throw configError(valuePath, 'must be a string')
        if (Buffer.byteLength(value) > 4000) throw configError(valuePath, 'is longer than 4000 bytes')
        return { name, type: 'TXT', ttl, text: [value] }
      }
      default:
        throw configError(`${path}.type`, "must be one of 'A', 'AAAA', 'CNAME', 'TXT'")
    }
  })
}
