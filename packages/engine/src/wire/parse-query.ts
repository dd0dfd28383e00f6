import { labelToText, MAX_NAME_WIRE_LENGTH } from './names.js'
import type { DnsQuestion } from './types.js'
import {
  ECS_OPTION_CODE,
  type EcsOption,
  type EdnsInfo,
  type QueryParseResult,
  Rcode,
  RRType,
} from './types.js'

/** Queries carry an OPT and perhaps a TSIG/SIG(0); more additional records than this is not a real query. */
export const MAX_QUERY_ADDITIONAL = 4
export const MAX_DNS_MESSAGE_SIZE = 65535
const MIN_UDP_PAYLOAD = 512

/** Question name text is assembled here (≤ 254 bytes); parsing is synchronous, so one buffer serves all calls. */
const nameScratch = Buffer.alloc(MAX_NAME_WIRE_LENGTH)

/** Presentation form of an uncompressed, already validated wire name in [start, end). */
function escapedName(buf: Uint8Array, start: number, end: number): string {
  let name = ''
  let off = start
  while (off < end - 1) {
    const labelLength = buf[off]!
    const label = labelToText(buf, off + 1, off + 1 + labelLength)
    name = name === '' ? label : `${name}.${label}`
    off += 1 + labelLength
  }
  return name
}

type ErrorResult = Extract<QueryParseResult, { kind: 'error' }>

const QTYPE_IXFR = 251
const QTYPE_AXFR = 252

/** Where the last `readQuestion` stopped (parsing is synchronous, so one cursor serves all calls). */
let cursor = 0

/**
 * Decodes a DNS query from raw bytes. Never throws and does bounded work, linear in the message size: the header is
 * validated before anything else, names in the question may not use compression (a query has nothing to point back
 * to), and other records are only skipped, never followed. Packets that should get no answer come back as `drop`;
 * those that can be answered with FORMERR / NOTIMP / BADVERS come back as `error` with the question (when there is
 * exactly one and it could be read) and the OPT (when one could be found), so the error response carries both
 * (RFC 6891 §6.1.1). `malformed` marks errors where the bytes are not a well-formed DNS message at all.
 */
export function parseQuery(buf: Uint8Array): QueryParseResult {
  const len = buf.length
  if (len < 12) return { kind: 'drop', reason: `${len} bytes is shorter than the 12-byte DNS header` }
  if (len > MAX_DNS_MESSAGE_SIZE) return { kind: 'drop', reason: `${len} bytes is longer than a DNS message` }
  const flags = buf[2]!
  if ((flags & 0x80) !== 0) return { kind: 'drop', reason: 'QR=1: the packet is a response, not a query' }
  const id = (buf[0]! << 8) | buf[1]!
  const opcode = (flags >> 3) & 0x0f
  const rd = (flags & 0x01) !== 0
  const cd = (buf[3]! & 0x10) !== 0
  const qdcount = (buf[4]! << 8) | buf[5]!
  const ancount = (buf[6]! << 8) | buf[7]!
  const nscount = (buf[8]! << 8) | buf[9]!
  const arcount = (buf[10]! << 8) | buf[11]!

  // The first problem found decides the rcode; parsing goes on as far as the structure allows, to find the OPT.
  let rcode = 0
  let reason = ''
  const malformed = false
  const note = (code: number, why: string): void => {
    if (rcode !== 0) return
    rcode = code
    reason = why
  }
  let question: DnsQuestion | undefined
  let edns: EdnsInfo | undefined
  const fail = (code: number, why: string, broken: boolean): ErrorResult => {
    note(code, why)
    const result: ErrorResult = { kind: 'error', rcode, id, opcode, rd, cd, reason }
    if (broken || malformed) result.malformed = true
    if (question !== undefined) result.question = question
    if (edns !== undefined) result.edns = edns
    return result
  }

  if (opcode !== 0) note(Rcode.NOTIMP, `opcode ${opcode}: only QUERY (0) is served (NOTIMP)`)
  if (qdcount !== 1) note(Rcode.FORMERR, `QDCOUNT is ${qdcount}, a query has exactly 1 question`)
  let off = 12
  for (let q = 0; q < qdcount; q++) {
    const read = readQuestion(buf, off)
    if (typeof read === 'string') return fail(Rcode.FORMERR, read, true)
    if (qdcount === 1) question = read
    off = cursor
  }
  // IXFR carries the client's SOA in the authority section (RFC 1995 §3): a zone transfer request, refused later.
  const transfer = question !== undefined && (question.type === QTYPE_IXFR || question.type === QTYPE_AXFR)
  if ((ancount !== 0 || nscount !== 0) && !transfer) {
    note(Rcode.FORMERR, `ANCOUNT ${ancount} / NSCOUNT ${nscount}: a query has no answer or authority records`)
  }
  if (arcount > MAX_QUERY_ADDITIONAL) {
    note(Rcode.FORMERR, `ARCOUNT ${arcount} exceeds ${MAX_QUERY_ADDITIONAL} additional records`)
  }
  const skipped = ancount + nscount
  for (let r = 0; r < skipped + arcount; r++) {
    const section = r < skipped ? 'answer/authority' : 'additional'
    const ownerEnd = skipName(buf, off)
    if (ownerEnd < 0)
      return fail(Rcode.FORMERR, `owner name of a record in the ${section} section is bad`, true)
    if (ownerEnd + 10 > len)
      return fail(Rcode.FORMERR, `${section} record runs past the end of the message`, true)
    const type = (buf[ownerEnd]! << 8) | buf[ownerEnd + 1]!
    const rdLength = (buf[ownerEnd + 8]! << 8) | buf[ownerEnd + 9]!
    const rdStart = ownerEnd + 10
    const rdEnd = rdStart + rdLength
    if (rdEnd > len) return fail(Rcode.FORMERR, `RDLENGTH of a ${section} record runs past the end`, true)
    if (type === RRType.OPT && r >= skipped) {
      if (edns !== undefined) return fail(Rcode.FORMERR, 'more than one OPT record', false)
      if (ownerEnd !== off + 1) return fail(Rcode.FORMERR, 'OPT record owner is not the root name', false)
      const payload = (buf[ownerEnd + 2]! << 8) | buf[ownerEnd + 3]!
      edns = {
        udpPayloadSize: Math.max(payload, MIN_UDP_PAYLOAD),
        version: buf[ownerEnd + 5]!,
        dnssecOk: (buf[ownerEnd + 6]! & 0x80) !== 0,
      }
      if (edns.version > 0) {
        return fail(Rcode.BADVERS, `EDNS version ${edns.version} is not supported (only 0)`, false)
      }
      const optionError = parseOptions(buf, rdStart, rdEnd, edns)
      if (optionError !== undefined) return fail(Rcode.FORMERR, optionError, false)
    }
    off = rdEnd
  }
  if (off !== len) return fail(Rcode.FORMERR, `${len - off} trailing bytes after the last record`, true)
  if (rcode !== 0 || question === undefined) return fail(Rcode.FORMERR, 'no question', false)

  const query = edns === undefined ? { id, opcode, rd, cd, question } : { id, opcode, rd, cd, question, edns }
  return { kind: 'query', query }
}

/**
 * Reads one question at `start` (no compression allowed). Returns it and leaves its end in `cursor`, or a reason.
 * Labels are copied into a scratch buffer with '.' separators; a name whose bytes are all plain printable ASCII (the
 * usual case) is then one native latin1 decode, anything else takes the escaping path.
 */
function readQuestion(buf: Uint8Array, start: number): DnsQuestion | string {
  const len = buf.length
  let off = start
  let textLength = 0
  let plain = true
  for (;;) {
    if (off >= len) return 'question name runs past the end of the message'
    const labelLength = buf[off]!
    if (labelLength === 0) {
      off += 1
      break
    }
    if ((labelLength & 0xc0) !== 0) {
      return labelLength >= 0xc0
        ? 'compression pointer in the question name'
        : `unknown label type 0x${labelLength.toString(16)}`
    }
    const end = off + 1 + labelLength
    if (end >= len) return 'question name runs past the end of the message'
    if (end + 1 - start > MAX_NAME_WIRE_LENGTH) return 'question name is longer than 255 bytes'
    if (textLength > 0) nameScratch[textLength++] = 0x2e
    for (let i = off + 1; i < end; i++) {
      const c = buf[i]!
      if (c <= 0x20 || c >= 0x7f || c === 0x2e || c === 0x5c) plain = false
      nameScratch[textLength++] = c
    }
    off = end
  }
  const name = plain ? nameScratch.toString('latin1', 0, textLength) : escapedName(buf, start, off)
  if (off + 4 > len) return 'question type/class runs past the end of the message'
  cursor = off + 4
  return { name, type: (buf[off]! << 8) | buf[off + 1]!, class: (buf[off + 2]! << 8) | buf[off + 3]! }
}

/** Skips a record's owner name without following a pointer (a pointer ends it). Returns its end, or -1. */
function skipName(buf: Uint8Array, start: number): number {
  const len = buf.length
  let off = start
  for (;;) {
    if (off >= len) return -1
    const labelLength = buf[off]!
    if (labelLength === 0) return off + 1
    if ((labelLength & 0xc0) === 0xc0) return off + 2 <= len ? off + 2 : -1
    if ((labelLength & 0xc0) !== 0) return -1
    off += labelLength + 1
    if (off - start >= MAX_NAME_WIRE_LENGTH) return -1
  }
}

/** Walks the OPT options within [start, end); returns a reason on malformed input. Unknown options are ignored. */
function parseOptions(buf: Uint8Array, start: number, end: number, edns: EdnsInfo): string | undefined {
  let p = start
  while (p < end) {
    if (p + 4 > end) return 'EDNS option header runs past the OPT record'
    const code = (buf[p]! << 8) | buf[p + 1]!
    const length = (buf[p + 2]! << 8) | buf[p + 3]!
    const dataStart = p + 4
    const dataEnd = dataStart + length
    if (dataEnd > end) return `EDNS option ${code} runs past the OPT record`
    if (code === ECS_OPTION_CODE) {
      if (edns.ecs !== undefined) return 'more than one EDNS Client Subnet option'
      const ecs = parseEcs(buf, dataStart, dataEnd)
      if (typeof ecs === 'string') return ecs
      edns.ecs = ecs
    }
    p = dataEnd
  }
  return undefined
}

/** RFC 7871 §6 / §7.1.1: strict validation; every violation is FORMERR. */
function parseEcs(buf: Uint8Array, start: number, end: number): EcsOption | string {
  if (end - start < 4) return 'EDNS Client Subnet option shorter than 4 bytes'
  const family = (buf[start]! << 8) | buf[start + 1]!
  if (family !== 1 && family !== 2) return `EDNS Client Subnet family ${family} is not 1 (IPv4) or 2 (IPv6)`
  const sourcePrefixLength = buf[start + 2]!
  const scopePrefixLength = buf[start + 3]!
  const bytes = family === 1 ? 4 : 16
  if (sourcePrefixLength > bytes * 8) {
    return `EDNS Client Subnet source prefix /${sourcePrefixLength} is too long for family ${family}`
  }
  if (scopePrefixLength !== 0) return 'EDNS Client Subnet scope prefix must be 0 in a query'
  const addressLength = end - start - 4
  const expected = (sourcePrefixLength + 7) >> 3
  if (addressLength !== expected) {
    return `EDNS Client Subnet address has ${addressLength} bytes, /${sourcePrefixLength} needs ${expected}`
  }
  const address = new Uint8Array(bytes)
  for (let i = 0; i < addressLength; i++) address[i] = buf[start + 4 + i]!
  const spareBits = sourcePrefixLength & 7
  if (spareBits !== 0 && (address[addressLength - 1]! & (0xff >> spareBits)) !== 0) {
    return `EDNS Client Subnet address has bits set beyond the /${sourcePrefixLength} source prefix`
  }
  return { family, sourcePrefixLength, scopePrefixLength, address }
}
