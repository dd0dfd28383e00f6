import { randomInt } from 'node:crypto'
import { isIP } from 'node:net'
import * as packet from 'dns-packet'
import { EDNS_UDP_PAYLOAD_SIZE, MAX_CNAME_CHAIN } from './constants.js'
import { badResponse, ResolverError, ResolverErrorCode } from './errors.js'
import type { Nameserver } from './nameserver.js'
import { type Reply, tcpExchange, udpExchange } from './transport.js'

/**
 * A minimal stub-resolver client: one question, one nameserver, one try. Every query uses a fresh socket
 * (new random source port, so nothing goes stale behind NAT — HAProxy #1286) and a fresh random ID, caches
 * nothing, ignores UDP replies whose ID or question do not match, and retries over TCP when the reply is
 * truncated.
 */

export type RecordType = 'A' | 'AAAA'

export type QueryResult =
  | { readonly kind: 'answer'; readonly addresses: readonly string[]; readonly ttl: number }
  | { readonly kind: 'nxdomain' }
  | { readonly kind: 'nodata' }

/** Hooks for counters; called synchronously. */
export interface QueryHooks {
  sent?(transport: 'udp' | 'tcp'): void
  /** A UDP datagram was dropped: it did not decode, or its ID or question did not match (spoofing). */
  ignored?(why: string): void
  truncated?(): void
}

export interface QueryOptions {
  timeoutMs: number
  maxAddresses: number
  signal?: AbortSignal
  hooks?: QueryHooks
}

const RCODE_NOERROR = 0
const RCODE_FORMERR = 1
const RCODE_SERVFAIL = 2
const RCODE_NXDOMAIN = 3
const RCODE_REFUSED = 5

/**
 * Asks `ns` for `name`'s `type` records. A reply that ends at a CNAME without addresses (a server that does not
 * chase it, e.g. unbound's local-data) is followed with another query to the same nameserver, up to
 * MAX_CNAME_CHAIN links in all.
 */
export async function query(
  ns: Nameserver,
  name: string,
  type: RecordType,
  options: QueryOptions,
): Promise<QueryResult> {
  let qname = name
  let links = 0
  let ttl = Number.POSITIVE_INFINITY
  const seen = new Set([name.toLowerCase()])
  for (;;) {
    const result = await queryOnce(ns, qname, type, options)
    if (result.kind !== 'cname') {
      return result.kind === 'answer' ? { ...result, ttl: Math.min(ttl, result.ttl) } : result
    }
    links += result.links
    ttl = Math.min(ttl, result.ttl)
    const target = result.target.toLowerCase().replace(/\.$/, '')
    if (links > MAX_CNAME_CHAIN || seen.has(target)) {
      throw bad(ns, name, `CNAME chain longer than ${MAX_CNAME_CHAIN} or looping (at ${target})`)
    }
    seen.add(target)
    qname = target
  }
}

export type OnceResult =
  | QueryResult
  | { readonly kind: 'cname'; readonly target: string; readonly ttl: number; links: number }

async function queryOnce(
  ns: Nameserver,
  name: string,
  type: RecordType,
  options: QueryOptions,
): Promise<OnceResult> {
  let edns = true
  for (;;) {
    const id = randomInt(0, 65_536)
    const request = encodeQuery(id, name, type, edns)
    const check = (buf: Buffer) => checkReply(buf, id, name, type)
    const exchange = { timeoutMs: options.timeoutMs, signal: options.signal, ignored: options.hooks?.ignored }
    options.hooks?.sent?.('udp')
    let reply = await udpExchange(ns, request, check, exchange)
    if (reply.packet.flag_tc) {
      options.hooks?.truncated?.()
      options.hooks?.sent?.('tcp')
      reply = await tcpExchange(ns, name, request, check, exchange)
      if (reply.packet.flag_tc) throw bad(ns, name, 'truncated reply over TCP')
    }
    // An old server that does not speak EDNS(0) answers FORMERR: ask once more without it (RFC 6891 §7).
    if (reply.rcode === RCODE_FORMERR && edns) {
      edns = false
      continue
    }
    return interpret(ns, name, type, reply, options.maxAddresses)
  }
}

function encodeQuery(id: number, name: string, type: RecordType, edns: boolean): Buffer {
  const opt = { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_PAYLOAD_SIZE, flags: 0, options: [] }
  return packet.encode({
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: edns ? [opt as unknown as packet.Answer] : [],
  })
}

/** Returns the reply, or why it must be ignored (over UDP) or rejected (over TCP). */
export function checkReply(buf: Buffer, id: number, name: string, type: RecordType): Reply | string {
  if (buf.length < 12) return 'shorter than a DNS header'
  if (buf.readUInt16BE(0) !== id) return 'wrong ID'
  const rcode = buf.readUInt16BE(2) & 0xf
  let decoded: packet.DecodedPacket
  try {
    decoded = packet.decode(buf)
  } catch (error) {
    return `undecodable (${(error as Error).message})`
  }
  if (!decoded.flag_qr) return 'not a response'
  const questions = decoded.questions ?? []
  // Error replies (FORMERR, SERVFAIL, REFUSED, ...) may legally omit the question; answers may not.
  const mayOmitQuestion = rcode !== RCODE_NOERROR && rcode !== RCODE_NXDOMAIN
  if (questions.length === 0 && mayOmitQuestion) return { packet: decoded, rcode }
  const q = questions[0]
  if (
    questions.length !== 1 ||
    !q ||
    !sameName(q.name, name) ||
    q.type !== type ||
    (q.class !== undefined && q.class !== 'IN')
  ) {
    return 'question does not match'
  }
  return { packet: decoded, rcode }
}

function sameName(a: string, b: string): boolean {
  const strip = (s: string) => (s.endsWith('.') ? s.slice(0, -1) : s).toLowerCase()
  return strip(a) === strip(b)
}

export function interpret(
  ns: Nameserver,
  name: string,
  type: RecordType,
  reply: Reply,
  max: number,
): OnceResult {
  switch (reply.rcode) {
    case RCODE_NOERROR:
      break
    case RCODE_NXDOMAIN:
      return { kind: 'nxdomain' }
    case RCODE_SERVFAIL:
      throw new ResolverError(
        ResolverErrorCode.SERVFAIL,
        `${ns.label} answered SERVFAIL for ${name} ${type}`,
        { nameserver: ns.label, hostname: name },
      )
    case RCODE_REFUSED:
      throw new ResolverError(ResolverErrorCode.REFUSED, `${ns.label} answered REFUSED for ${name} ${type}`, {
        nameserver: ns.label,
        hostname: name,
      })
    default:
      throw bad(ns, name, `rcode ${reply.rcode}`)
  }
  const answers = reply.packet.answers ?? []
  const family = type === 'A' ? 4 : 6
  let target = name
  let ttl = Number.POSITIVE_INFINITY
  for (let hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
    const addresses: string[] = []
    for (const record of answers) {
      if (record.type !== type || !sameName(record.name, target) || !isInternet(record)) continue
      const address = typeof record.data === 'string' ? record.data : ''
      if (isIP(address) !== family || addresses.includes(address)) continue
      ttl = Math.min(ttl, record.ttl ?? 0)
      if (addresses.length < max) addresses.push(address)
    }
    if (addresses.length > 0) return { kind: 'answer', addresses, ttl }
    const cname = answers.find((r) => r.type === 'CNAME' && sameName(r.name, target) && isInternet(r))
    if (cname?.type !== 'CNAME' || typeof cname.data !== 'string') {
      if (hop > 0) return { kind: 'cname', target, ttl, links: hop }
      // NODATA is an empty answer section; records that answer some other question make the reply unusable
      if (answers.length > 0)
        throw bad(ns, name, `no ${type} or CNAME record for it among ${describe(answers)}`)
      return { kind: 'nodata' }
    }
    ttl = Math.min(ttl, cname.ttl ?? 0)
    target = cname.data
  }
  throw bad(ns, name, `CNAME chain longer than ${MAX_CNAME_CHAIN}`)
}

function describe(answers: readonly packet.Answer[]): string {
  const shown = answers.slice(0, 3).map((record) => `${record.name} ${record.type}`)
  const more = answers.length > shown.length ? ` and ${answers.length - shown.length} more` : ''
  return `the answer's ${answers.length} record(s) (${shown.join(', ')}${more})`
}

function isInternet(record: packet.Answer): boolean {
  return !('class' in record) || record.class === undefined || record.class === 'IN'
}

function bad(ns: Nameserver, name: string, why: string): ResolverError {
  return badResponse(ns.label, name, why)
}
