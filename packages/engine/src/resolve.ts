import { MAX_CNAME_CHAIN } from './constants.js'
import type { Family, GlobalNameModel, Model, NodeModel, ZoneModel } from './model.js'
import { parentName } from './names.js'
import { type Asker, type Selection, select } from './select.js'
import { Rcode, type ResourceRecord, RRType } from './wire/index.js'

/** Who asks, as far as the decision is concerned. The datacenter is looked up only when a topology pool needs it. */
export interface ClientContext {
  /** Source address as text (parsed only when a topology pool needs the client's location). */
  source: string
  /** The ECS option, when present, trusted and usable (source prefix > 0). */
  ecs: { family: 4 | 6; address: Uint8Array; sourcePrefixLength: number } | undefined
  located: boolean
  datacenter: string | undefined
  /** Asked through a caching resolver (ECS, a listed resolver, or a source in no datacenter); see `Asker`. */
  viaResolver: boolean
  /** Prefix length the location depended on (returned as the ECS scope when ECS was used). */
  scopePrefixLength: number
}

export interface PoolDecision {
  global: GlobalNameModel
  family: Family
  selection: Selection
  client: ClientContext
}

export interface Resolution {
  rcode: number
  aa: boolean
  answers: ResourceRecord[]
  authority: ResourceRecord[]
  additional: ResourceRecord[]
  /** True when the answer depends on where the client is (a topology pool was consulted). */
  clientDependent: boolean
  /** The zone that answered (undefined when REFUSED for being outside every zone). */
  zone: ZoneModel | undefined
}

export function newClientContext(source: string, ecs: ClientContext['ecs']): ClientContext {
  return { source, ecs, located: false, datacenter: undefined, viaResolver: true, scopePrefixLength: 0 }
}

/** Answers `qname` (canonical) / `qtype` from the model, chasing CNAMEs within our zones. */
export function resolve(
  model: Model,
  qname: string,
  qtype: number,
  client: ClientContext,
  onPool?: (decision: PoolDecision) => void,
): Resolution {
  const res: Resolution = {
    rcode: Rcode.NOERROR,
    aa: true,
    answers: [],
    authority: [],
    additional: [],
    clientDependent: false,
    zone: undefined,
  }
  let name = qname
  for (let step = 0; step <= MAX_CNAME_CHAIN; step++) {
    const node = model.nodes.get(name)
    if (!node) {
      const zone = findZone(model, name)
      if (!zone) {
        // Outside every zone: REFUSED for the question itself; after a CNAME the resolver follows on its own.
        if (step === 0) refuse(res)
        return res
      }
      res.zone ??= zone
      res.rcode = Rcode.NXDOMAIN
      res.authority.push(zone.negativeSoa)
      return res
    }
    res.zone ??= node.zone
    if (node.cname && qtype !== RRType.CNAME) {
      res.answers.push(node.cname)
      if (qtype === RRType.ANY) return res
      name = node.cname.target
      continue
    }
    const outcome = answerAt(model, node, qtype, client, res, onPool)
    if (outcome === 'refuse') refuse(res)
    else if (outcome === 'nodata') res.authority.push(node.zone.negativeSoa)
    return res
  }
  return res
}

function refuse(res: Resolution): void {
  res.rcode = Rcode.REFUSED
  res.aa = false
  res.answers.length = 0
  res.authority.length = 0
  res.additional.length = 0
}

/** The closest enclosing zone of a name that is not a node (NXDOMAIN or outside). */
export function findZone(model: Model, name: string): ZoneModel | undefined {
  if (name.includes('\\')) return findZoneAboveEscapes(model, name)
  let labels = 1
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 46) labels++
  let candidate = name
  while (labels > model.maxZoneLabels) {
    candidate = parentName(candidate)
    labels--
  }
  for (;;) {
    const zone = model.zones.get(candidate)
    if (zone) return zone
    if (candidate === '') return undefined
    candidate = parentName(candidate)
  }
}

/**
 * Zone names have no escapes (`\.`, `\\`, `\DDD`), so the zone of a name with escapes lies above its last label
 * that has one; an escaped dot does not end a label.
 */
function findZoneAboveEscapes(model: Model, name: string): ZoneModel | undefined {
  let above = 0
  let escapedLabel = false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c === 92) {
      escapedLabel = true
      i++
    } else if (c === 46 && escapedLabel) {
      above = i + 1
      escapedLabel = false
    }
  }
  return escapedLabel ? undefined : findZone(model, name.slice(above))
}

type Outcome = 'data' | 'nodata' | 'refuse'

function answerAt(
  model: Model,
  node: NodeModel,
  qtype: number,
  client: ClientContext,
  res: Resolution,
  onPool: ((decision: PoolDecision) => void) | undefined,
): Outcome {
  const apex = node.name === node.zone.name
  switch (qtype) {
    case RRType.A:
      return node.global ? poolAnswer(model, node.global, 4, client, res, onPool) : push(res.answers, node.a)
    case RRType.AAAA:
      return node.global
        ? poolAnswer(model, node.global, 6, client, res, onPool)
        : push(res.answers, node.aaaa)
    case RRType.TXT:
      return push(res.answers, node.txt)
    case RRType.CNAME:
      return node.cname ? push(res.answers, [node.cname]) : 'nodata'
    case RRType.SOA:
      return apex ? push(res.answers, [node.zone.soa]) : 'nodata'
    case RRType.NS:
      if (!apex) return 'nodata'
      push(res.additional, node.zone.glue)
      return push(res.answers, node.zone.ns)
    case RRType.ANY:
      return minimalAny(model, node, client, res, onPool, apex)
    default:
      return 'nodata'
  }
}

/**
 * RFC 8482: ANY gets one RRset, not everything. We answer with the first that exists of the addresses (the
 * pool's IPv4 answer, else IPv6), TXT, then the SOA at the apex.
 */
function minimalAny(
  model: Model,
  node: NodeModel,
  client: ClientContext,
  res: Resolution,
  onPool: ((decision: PoolDecision) => void) | undefined,
  apex: boolean,
): Outcome {
  if (node.global) {
    const family: Family = node.global.pool.byFamily[4].length > 0 ? 4 : 6
    return poolAnswer(model, node.global, family, client, res, onPool)
  }
  if (node.a.length > 0) return push(res.answers, node.a)
  if (node.aaaa.length > 0) return push(res.answers, node.aaaa)
  if (node.txt.length > 0) return push(res.answers, node.txt)
  if (apex) return push(res.answers, [node.zone.soa])
  return 'nodata'
}

function push(target: ResourceRecord[], records: readonly ResourceRecord[]): Outcome {
  for (const record of records) target.push(record)
  return records.length > 0 ? 'data' : 'nodata'
}

function poolAnswer(
  model: Model,
  global: GlobalNameModel,
  family: Family,
  client: ClientContext,
  res: Resolution,
  onPool: ((decision: PoolDecision) => void) | undefined,
): Outcome {
  const pool = global.pool
  if (pool.byFamily[family].length === 0) {
    onPool?.({ global, family, selection: { outcome: 'no-members', members: [] }, client })
    return 'nodata'
  }
  let asker: Asker | undefined
  if (pool.method === 'topology') {
    locate(model, client)
    asker = client
    res.clientDependent = true
  }
  const selection = select(pool, family, asker, model.sites, model.random)
  onPool?.({ global, family, selection, client })
  if (selection.members.length > 0) {
    for (const member of selection.members) res.answers.push(global.records[member.rank]!)
    return 'data'
  }
  if (selection.outcome === 'no-members') return 'nodata'
  switch (pool.allDown.kind) {
    case 'refuse':
      return 'refuse'
    case 'fallback':
      return push(res.answers, global.fallback[family])
    default:
      return 'nodata'
  }
}

/** Fills in the client's datacenter (once per query). */
export function locate(model: Model, client: ClientContext): void {
  if (client.located) return
  client.located = true
  if (!model.sites) return
  if (client.ecs) {
    const match = model.sites.lookupSubnet(
      client.ecs.family,
      client.ecs.address,
      client.ecs.sourcePrefixLength,
    )
    client.datacenter = match.datacenter
    client.scopePrefixLength = match.scopePrefixLength
    return
  }
  try {
    const resolverSite = model.resolvers?.lookup(client.source)
    if (resolverSite !== undefined) {
      client.datacenter = resolverSite
      return
    }
    client.datacenter = model.sites.lookup(client.source)
    // an asker inside a datacenter subnet asks for itself (this node's own resolver, a modality asking directly)
    client.viaResolver = client.datacenter === undefined
  } catch {
    // Not an IP address (an embedder's label): a client of unknown location.
  }
}
