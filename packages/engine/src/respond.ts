import { CLASSIC_UDP_PAYLOAD, EDNS_UDP_PAYLOAD, TCP_MAX_MESSAGE } from './constants.js'
import type { Model } from './model.js'
import { canonicalName } from './names.js'
import {
  type ClientContext,
  newClientContext,
  type PoolDecision,
  type Resolution,
  resolve,
} from './resolve.js'
import type { Stats } from './stats.js'
import {
  type EcsOption,
  encodeResponse,
  errorResponse,
  type ParsedQuery,
  parseQuery,
  Rcode,
  type ResponseMessage,
} from './wire/index.js'

/** Who sent a query to `engine.answer()`. */
export interface AnswerClient {
  /** Source IP address (text). */
  address: string
  port?: number
  /** 'udp' (default) bounds the response by the EDNS buffer size; 'tcp' allows 65535 bytes. */
  transport?: 'udp' | 'tcp'
}

const CLASS_IN = 1
const CLASS_ANY = 255
const QTYPE_IXFR = 251
const QTYPE_AXFR = 252
const QTYPE_MAILB = 253
const QTYPE_MAILA = 254
const OPCODE_QUERY = 0

/** Permission to send one error response over UDP (a token bucket; see error-budget.ts). */
export interface ErrorBudget {
  take(): boolean
}

let unserved = false
/** Told by buildResponse when the query is one we do not serve at all (rate-limited like parse errors). */
const unservedObserver: ResponseObserver = {
  onUnserved: () => {
    unserved = true
  },
}

/**
 * The whole per-query path: parse, decide, encode. Never throws for any input bytes. Over UDP, where a source
 * address proves nothing, bytes that are not a DNS message get no answer at all, and error answers (FORMERR,
 * NOTIMP, BADVERS, REFUSED for what we do not serve) are sent only while `budget` allows.
 */
export function answerBytes(
  model: Model,
  stats: Stats,
  buf: Uint8Array,
  client: AnswerClient,
  budget?: ErrorBudget,
): Uint8Array | null {
  const tcp = client.transport === 'tcp'
  const parsed = parseQuery(buf)
  if (parsed.kind === 'drop' || (parsed.kind === 'error' && parsed.malformed && !tcp)) {
    stats.dropped++
    return null
  }
  if (parsed.kind === 'error') {
    if (!tcp && budget !== undefined && !budget.take()) {
      stats.rateLimited++
      return null
    }
    const size = tcp
      ? TCP_MAX_MESSAGE
      : parsed.edns
        ? udpLimit(parsed.edns.udpPayloadSize)
        : CLASSIC_UDP_PAYLOAD
    stats.count(parsed.rcode, tcp)
    return encodeResponse(errorResponse(parsed), size)
  }
  const query = parsed.query
  const maxSize = tcp
    ? TCP_MAX_MESSAGE
    : query.edns
      ? udpLimit(query.edns.udpPayloadSize)
      : CLASSIC_UDP_PAYLOAD
  const limited = !tcp && budget !== undefined
  unserved = false
  const msg = buildResponse(model, query, client.address, limited ? unservedObserver : undefined)
  if (unserved && !budget!.take()) {
    stats.rateLimited++
    return null
  }
  stats.count(msg.rcode, tcp)
  return encodeResponse(msg, maxSize)
}

function udpLimit(advertised: number): number {
  return Math.max(CLASSIC_UDP_PAYLOAD, Math.min(advertised, EDNS_UDP_PAYLOAD))
}

/** Explain's view into the decision (the answer path passes none). */
export interface ResponseObserver {
  onPool?: (decision: PoolDecision) => void
  onResolution?: (res: Resolution, client: ClientContext) => void
  /** The query asks for something not served at all: another opcode or class, a zone transfer, outside our zones. */
  onUnserved?: () => void
}

/** The response message for a parsed query (also used by explain). */
export function buildResponse(
  model: Model,
  query: ParsedQuery,
  sourceAddress: string,
  observer?: ResponseObserver,
): ResponseMessage {
  const question = query.question
  const msg: ResponseMessage = {
    id: query.id,
    opcode: query.opcode,
    aa: false,
    rd: query.rd,
    cd: query.cd,
    rcode: Rcode.NOERROR,
    question,
    answers: [],
    authority: [],
    additional: [],
  }
  const queryEcs = query.edns?.ecs
  const ecsEnabled = model.ecs.enabled && queryEcs !== undefined
  if (query.edns) msg.edns = { udpPayloadSize: EDNS_UDP_PAYLOAD, dnssecOk: query.edns.dnssecOk }

  if (query.opcode !== OPCODE_QUERY) {
    msg.rcode = Rcode.NOTIMP
    observer?.onUnserved?.()
    return msg
  }
  const qtype = question.type
  if (
    (question.class !== CLASS_IN && question.class !== CLASS_ANY) ||
    qtype === QTYPE_AXFR ||
    qtype === QTYPE_IXFR
  ) {
    msg.rcode = Rcode.REFUSED
    observer?.onUnserved?.()
    return msg
  }
  if (qtype === QTYPE_MAILA || qtype === QTYPE_MAILB) {
    msg.rcode = Rcode.NOTIMP
    observer?.onUnserved?.()
    return msg
  }

  const client = clientContext(model, sourceAddress, ecsEnabled ? queryEcs : undefined)
  const res = resolve(model, canonicalName(question.name), qtype, client, observer?.onPool)
  observer?.onResolution?.(res, client)
  if (res.zone === undefined && res.rcode === Rcode.REFUSED) observer?.onUnserved?.()
  msg.rcode = res.rcode
  msg.aa = res.aa
  msg.answers = res.answers
  msg.authority = res.authority
  msg.additional = res.additional
  if (ecsEnabled && msg.edns && queryEcs) {
    const scope = res.clientDependent && client.ecs ? client.scopePrefixLength : 0
    msg.edns.ecs = echoEcs(queryEcs, scope)
  }
  return msg
}

function echoEcs(ecs: EcsOption, scopePrefixLength: number): EcsOption {
  return {
    family: ecs.family,
    sourcePrefixLength: ecs.sourcePrefixLength,
    scopePrefixLength,
    address: ecs.address,
  }
}

/** The decision context of a query: the source address, and the ECS subnet when the sender is trusted for it. */
export function clientContext(
  model: Model,
  sourceAddress: string,
  ecs: EcsOption | undefined,
): ClientContext {
  if (!ecs || ecs.sourcePrefixLength === 0 || !ecsTrusted(model, sourceAddress)) {
    return newClientContext(sourceAddress, undefined)
  }
  const family = ecs.family === 1 ? 4 : 6
  return newClientContext(sourceAddress, {
    family,
    address: ecs.address,
    sourcePrefixLength: ecs.sourcePrefixLength,
  })
}

export function ecsTrusted(model: Model, sourceAddress: string): boolean {
  const trusted = model.ecs.trusted
  if (!trusted) return true
  try {
    return trusted.has(sourceAddress)
  } catch {
    return false
  }
}
