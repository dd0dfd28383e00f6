import { EDNS_UDP_PAYLOAD } from './constants.js'
import { EngineError, EngineErrorCode } from './errors.js'
import { formatIp, parseIp } from './ip.js'
import type { Model, PoolModel } from './model.js'
import { type ClientContext, locate, type PoolDecision, type Resolution } from './resolve.js'
import { buildResponse, clientContext, ecsTrusted } from './respond.js'
import { countsUp, datacenterOrder, familyState } from './select.js'
import { type EcsOption, type ParsedQuery, Rcode, type ResourceRecord, RRType } from './wire/index.js'

/** Who asks, for explain: the source address and, optionally, an ECS subnet such as `10.2.3.0/24`. */
export interface ExplainClient {
  address: string
  ecs?: string
}

export interface ExplainedRecord {
  name: string
  type: string
  ttl: number
  /** Presentation form: an address, a target name, quoted text, or the SOA fields. */
  data: string
}

export interface ExplainedCandidate {
  member: string
  address: string
  datacenter: string | null
  weight: number
  priority: number
  enabled: boolean
  /** What the checks (or setHealth) say. */
  observed: 'unknown' | 'up' | 'down'
  /** After admin overrides (force-up/force-down); `drained` is separate. */
  effective: 'unknown' | 'up' | 'down'
  drained: boolean
  healthSource: 'none' | 'checker' | 'pushed'
  /** Counted as up for this answer (enabled, not drained, up — or unknown with unknownAs 'up'). */
  eligible: boolean
  /** 1-based position in the answer, or null when not in it. */
  position: number | null
}

export interface PoolExplanation {
  name: string
  pool: string
  method: PoolModel['method']
  family: 4 | 6
  /** Addresses this client may get: maxAnswers, or maxAnswersViaResolver when a topology pool is asked through a resolver. */
  maxAnswers: number
  allDown: 'any' | 'refuse' | 'empty' | string[]
  unknownAs: 'up' | 'down'
  outcome: 'healthy' | 'all-down' | 'no-members'
  /** topology: datacenters in the order tried for this client. */
  datacenterOrder: string[] | null
  candidates: ExplainedCandidate[]
  reason: string
}

export interface Explanation {
  query: { name: string; type: string }
  client: {
    address: string
    ecs: string | null
    /** Whether the ECS subnet decided the location (else the source address did). */
    ecsUsed: boolean
    /** Why a given ECS subnet was not used, when it was not. */
    ecsIgnored: string | null
    /** The client's datacenter in the topology, also when the answer does not depend on it (null: unknown). */
    datacenter: string | null
    /** Scope prefix length the response's ECS option would carry (null without ECS). */
    ecsScope: number | null
  }
  zone: string | null
  rcode: string
  authoritative: boolean
  answers: ExplainedRecord[]
  authority: ExplainedRecord[]
  additional: ExplainedRecord[]
  decisions: PoolExplanation[]
  reason: string
}

const TYPE_NAMES = new Map<number, string>(Object.entries(RRType).map(([name, value]) => [value, name]))
const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([name, value]) => [value, name]))

export function parseType(type: string | number): number {
  if (typeof type === 'number' && Number.isInteger(type) && type >= 0 && type <= 0xffff) return type
  if (typeof type === 'string') {
    const upper = type.toUpperCase()
    const known = (RRType as Record<string, number>)[upper]
    if (known !== undefined) return known
    const generic = /^TYPE(\d{1,5})$/.exec(upper)
    if (generic && Number(generic[1]) <= 0xffff) return Number(generic[1])
  }
  throw new EngineError(
    EngineErrorCode.INVALID_ARGUMENT,
    `type: '${String(type)}' is not a record type (A, AAAA, CNAME, NS, SOA, TXT, ANY or TYPEnnn)`,
  )
}

function parseEcs(text: string): EcsOption {
  const slash = text.indexOf('/')
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash))
  const bits = ip?.family === 6 ? 128 : 32
  const digits = slash === -1 ? String(bits) : text.slice(slash + 1)
  const prefix = Number(digits)
  if (!ip || !/^\d{1,3}$/.test(digits) || prefix > bits) {
    throw new EngineError(
      EngineErrorCode.INVALID_ARGUMENT,
      `client.ecs: '${text}' is not a subnet such as 10.2.3.0/24`,
    )
  }
  const address = ip.bytes.slice()
  for (let bit = prefix; bit < bits; bit++) address[bit >> 3]! &= ~(0x80 >> (bit & 7))
  return { family: ip.family === 4 ? 1 : 2, sourcePrefixLength: prefix, scopePrefixLength: 0, address }
}

/** Runs the same decision as a real query and reports every step of it. */
export function explain(
  model: Model,
  name: string,
  type: string | number,
  client: ExplainClient,
): Explanation {
  if (typeof name !== 'string' || name.length > 255) {
    throw new EngineError(EngineErrorCode.INVALID_ARGUMENT, 'name: must be a domain name string')
  }
  if (typeof client?.address !== 'string') {
    throw new EngineError(EngineErrorCode.INVALID_ARGUMENT, 'client.address: must be an IP address string')
  }
  const qtype = parseType(type)
  const ecs = client.ecs === undefined ? undefined : parseEcs(client.ecs)
  const query: ParsedQuery = {
    id: 0,
    opcode: 0,
    rd: false,
    cd: false,
    question: { name: name.endsWith('.') ? name.slice(0, -1) : name, type: qtype, class: 1 },
  }
  if (ecs) query.edns = { udpPayloadSize: EDNS_UDP_PAYLOAD, version: 0, dnssecOk: false, ecs }

  const decisions: PoolDecision[] = []
  let resolution: Resolution | undefined
  let context: ClientContext | undefined
  const msg = buildResponse(model, query, client.address, {
    onPool: (decision) => decisions.push(decision),
    onResolution: (res, ctx) => {
      resolution = res
      context = ctx
    },
  })

  // The client's datacenter is reported even when the answer did not need it (static records, failover pools).
  const located = context ?? clientContext(model, client.address, model.ecs.enabled ? ecs : undefined)
  locate(model, located)
  let ecsIgnored: string | null = null
  if (ecs) {
    if (!model.ecs.enabled) ecsIgnored = 'ECS is disabled (ecs.enabled: false)'
    else if (ecs.sourcePrefixLength === 0)
      ecsIgnored = 'source prefix length 0: the client asked not to be located'
    else if (!ecsTrusted(model, client.address)) ecsIgnored = `${client.address} is not in ecs.trusted`
    else if (!model.sites) ecsIgnored = 'no topology is configured: clients are not located'
  }
  const rcode = RCODE_NAMES.get(msg.rcode) ?? String(msg.rcode)
  const pools = decisions.map((d) => explainPool(model, d))
  return {
    query: { name, type: TYPE_NAMES.get(qtype) ?? `TYPE${qtype}` },
    client: {
      address: client.address,
      ecs: client.ecs ?? null,
      ecsUsed: located.ecs !== undefined && model.sites !== undefined,
      ecsIgnored,
      datacenter: located.datacenter ?? null,
      ecsScope: msg.edns?.ecs ? msg.edns.ecs.scopePrefixLength : null,
    },
    zone: resolution?.zone?.name ?? null,
    rcode,
    authoritative: msg.aa,
    answers: msg.answers.map(presentRecord),
    authority: msg.authority.map(presentRecord),
    additional: msg.additional.map(presentRecord),
    decisions: pools,
    reason: overallReason(msg.rcode, resolution, pools, msg.answers.length),
  }
}

function overallReason(
  rcode: number,
  res: Resolution | undefined,
  pools: PoolExplanation[],
  answers: number,
): string {
  const last = pools[pools.length - 1]
  if (rcode === Rcode.REFUSED && !res?.zone) return 'the name is outside every configured zone'
  if (rcode === Rcode.REFUSED && last) return `${last.reason}; all-down action 'refuse' answers REFUSED`
  if (rcode === Rcode.REFUSED) return 'the query class or type is not served (only IN; no zone transfers)'
  if (rcode === Rcode.NOTIMP) return 'only standard queries (opcode QUERY) are implemented'
  if (rcode === Rcode.NXDOMAIN) return `the name does not exist in zone ${res?.zone?.name}`
  if (last) return last.reason
  if (answers === 0) return 'the name exists but has no records of this type (NODATA)'
  return 'static records of the zone'
}

function explainPool(model: Model, decision: PoolDecision): PoolExplanation {
  const { global, family, selection, client } = decision
  const pool = global.pool
  const positions = new Map(selection.members.map((m, i) => [m.id, i + 1]))
  const candidates: ExplainedCandidate[] = pool.byFamily[family].map((m) => ({
    member: m.name,
    address: m.ip.text,
    datacenter: m.datacenter ?? null,
    weight: m.weight,
    priority: m.priority,
    enabled: m.enabled,
    observed: m.health.observed,
    effective: m.health.effective,
    drained: m.health.drained,
    healthSource: m.health.source,
    eligible: countsUp(m, pool.unknownAs),
    position: positions.get(m.id) ?? null,
  }))
  let order: string[] | null = null
  if (pool.method === 'topology' && selection.outcome !== 'no-members') {
    const state = familyState(pool, family)
    const group = selection.outcome === 'healthy' ? state.healthy : state.enabled
    order = [...datacenterOrder(group, client.datacenter, model.sites)]
  }
  const allDown =
    pool.allDown.kind === 'fallback' ? pool.allDown.addresses.map((a) => a.text) : pool.allDown.kind
  const chosen = selection.members.map((m) => m.name).join(', ')
  return {
    name: global.name,
    pool: pool.name,
    method: pool.method,
    family,
    maxAnswers:
      pool.method === 'topology' && client.viaResolver ? pool.maxAnswersViaResolver : pool.maxAnswers,
    allDown,
    unknownAs: pool.unknownAs,
    outcome: selection.outcome,
    datacenterOrder: order,
    candidates,
    reason: poolReason(pool, family, selection.outcome, chosen, client, order),
  }
}

function poolReason(
  pool: PoolModel,
  family: 4 | 6,
  outcome: PoolExplanation['outcome'],
  chosen: string,
  client: ClientContext,
  order: string[] | null,
): string {
  if (outcome === 'no-members') return `pool '${pool.name}' has no IPv${family} member (NODATA)`
  if (outcome === 'all-down') {
    const action = pool.allDown.kind
    if (action === 'any') {
      return chosen
        ? `no IPv${family} member of pool '${pool.name}' is up; all-down action 'any' serves enabled members: ${chosen}`
        : `no IPv${family} member of pool '${pool.name}' is up or enabled; answering NODATA`
    }
    if (action === 'fallback')
      return `no IPv${family} member of pool '${pool.name}' is up; serving the fallback addresses`
    return `no IPv${family} member of pool '${pool.name}' is up; all-down action '${action}'`
  }
  const where = !client.viaResolver
    ? `client in datacenter '${client.datacenter}'`
    : client.datacenter
      ? `asked through a resolver for datacenter '${client.datacenter}' (ECS or topology.resolvers): at most ${pool.maxAnswersViaResolver} answer(s), maxAnswersViaResolver`
      : `client of unknown location (no ECS, not in a datacenter or topology.resolvers): at most ${pool.maxAnswersViaResolver} answer(s), maxAnswersViaResolver`
  switch (pool.method) {
    case 'failover':
      return `failover: first healthy member(s) in priority order: ${chosen}`
    case 'wrr':
      return `wrr: weighted random choice among healthy members: ${chosen}`
    case 'all':
      return `all: every healthy member up to maxAnswers ${pool.maxAnswers}: ${chosen}`
    case 'topology':
      return `topology: ${where}; datacenters tried in order ${order?.join(' > ') ?? ''}: ${chosen}`
  }
}

export function presentRecord(rr: ResourceRecord): ExplainedRecord {
  let data: string
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      data = formatIp(rr.address)
      break
    case 'CNAME':
    case 'NS':
      data = `${rr.target}.`
      break
    case 'TXT':
      data = rr.text.map((t) => JSON.stringify(t)).join(' ')
      break
    case 'SOA':
      data = `${rr.mname}. ${rr.rname}. ${rr.serial} ${rr.refresh} ${rr.retry} ${rr.expire} ${rr.minimum}`
      break
  }
  return { name: `${rr.name}.`, type: rr.type, ttl: rr.ttl, data }
}
