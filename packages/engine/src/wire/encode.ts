import { DnsWireError } from './errors.js'
import { asciiLower, MAX_LABEL_LENGTH, MAX_NAME_WIRE_LENGTH, nameToLabels } from './names.js'
import { MAX_DNS_MESSAGE_SIZE } from './parse-query.js'
import {
  type DnsQuestion,
  ECS_OPTION_CODE,
  type EcsOption,
  Rcode,
  type ResourceRecord,
  type ResponseEdns,
  type ResponseMessage,
  RRType,
} from './types.js'

const MIN_RESPONSE_SIZE = 512
const CLASS_IN = 1
const MAX_TTL = 0x7fffffff
const utf8 = new TextEncoder()

/**
 * Encodes a response with name compression. `maxSize` is clamped to 512..65535. If the message does not fit, the
 * result has TC=1 and keeps only the question and the OPT record (RFC 2181 §9: a truncated answer is retried over
 * TCP, so partial record sets are not worth sending). Throws {@link DnsWireError} only for records the caller
 * built wrongly (an A address that is not 4 bytes, an invalid name, an out-of-range ECS option).
 */
export function encodeResponse(msg: ResponseMessage, maxSize: number): Uint8Array {
  const limit = clampSize(maxSize)
  if (msg.authority.length === 0 && msg.additional.length === 0 && msg.question !== undefined) {
    const fast = encodeAddressAnswers(msg, msg.question, limit)
    if (fast !== undefined) return fast
  }
  return encodeGeneral(msg, limit)
}

function clampSize(maxSize: number): number {
  if (!(maxSize >= MIN_RESPONSE_SIZE)) return MIN_RESPONSE_SIZE
  return maxSize > MAX_DNS_MESSAGE_SIZE ? MAX_DNS_MESSAGE_SIZE : Math.floor(maxSize)
}

function writeHeader(
  out: Uint8Array,
  msg: ResponseMessage,
  truncated: boolean,
  qdcount: number,
  ancount: number,
  nscount: number,
  arcount: number,
): void {
  let rcode = msg.rcode
  // An extended rcode cannot be expressed without OPT; SERVFAIL is the honest fallback.
  if (rcode > 15 && msg.edns === undefined) rcode = Rcode.SERVFAIL
  out[0] = (msg.id >> 8) & 0xff
  out[1] = msg.id & 0xff
  out[2] =
    0x80 | ((msg.opcode & 0x0f) << 3) | (msg.aa ? 0x04 : 0) | (truncated ? 0x02 : 0) | (msg.rd ? 0x01 : 0)
  out[3] = (msg.cd ? 0x10 : 0) | (rcode & 0x0f)
  out[4] = qdcount >> 8
  out[5] = qdcount & 0xff
  out[6] = ancount >> 8
  out[7] = ancount & 0xff
  out[8] = nscount >> 8
  out[9] = nscount & 0xff
  out[10] = arcount >> 8
  out[11] = arcount & 0xff
}

function ecsAddressBytes(ecs: EcsOption): number {
  const maxBits = ecs.family === 1 ? 32 : ecs.family === 2 ? 128 : -1
  if (maxBits < 0) throw new DnsWireError('GSLB_DNS_INVALID_RECORD', `ECS family ${ecs.family} is not 1 or 2`)
  if (!(ecs.sourcePrefixLength >= 0 && ecs.sourcePrefixLength <= maxBits)) {
    throw new DnsWireError(
      'GSLB_DNS_INVALID_RECORD',
      `ECS source prefix /${ecs.sourcePrefixLength} out of range`,
    )
  }
  if (!(ecs.scopePrefixLength >= 0 && ecs.scopePrefixLength <= maxBits)) {
    throw new DnsWireError(
      'GSLB_DNS_INVALID_RECORD',
      `ECS scope prefix /${ecs.scopePrefixLength} out of range`,
    )
  }
  const bytes = (ecs.sourcePrefixLength + 7) >> 3
  if (ecs.address.length < bytes) {
    throw new DnsWireError(
      'GSLB_DNS_INVALID_RECORD',
      `ECS address has fewer than the ${bytes} bytes its prefix needs`,
    )
  }
  return bytes
}

function optLength(edns: ResponseEdns | undefined): number {
  if (edns === undefined) return 0
  return 11 + (edns.ecs === undefined ? 0 : 8 + ecsAddressBytes(edns.ecs))
}

/** Writes the OPT pseudo-record at `off`; returns the new offset. Assumes {@link optLength} bytes of room. */
function writeOpt(out: Uint8Array, off: number, msg: ResponseMessage, edns: ResponseEdns): number {
  const payload = Math.max(MIN_RESPONSE_SIZE, Math.min(0xffff, edns.udpPayloadSize | 0))
  out[off] = 0
  out[off + 1] = 0
  out[off + 2] = RRType.OPT
  out[off + 3] = (payload >> 8) & 0xff
  out[off + 4] = payload & 0xff
  out[off + 5] = (msg.rcode >> 4) & 0xff
  out[off + 6] = 0
  out[off + 7] = edns.dnssecOk === true ? 0x80 : 0
  out[off + 8] = 0
  const ecs = edns.ecs
  if (ecs === undefined) {
    out[off + 9] = 0
    out[off + 10] = 0
    return off + 11
  }
  const bytes = ecsAddressBytes(ecs)
  out[off + 9] = 0
  out[off + 10] = 8 + bytes
  out[off + 11] = 0
  out[off + 12] = ECS_OPTION_CODE
  out[off + 13] = 0
  out[off + 14] = 4 + bytes
  out[off + 15] = 0
  out[off + 16] = ecs.family
  out[off + 17] = ecs.sourcePrefixLength
  out[off + 18] = ecs.scopePrefixLength
  for (let i = 0; i < bytes; i++) out[off + 19 + i] = ecs.address[i]!
  const spare = ecs.sourcePrefixLength & 7
  if (spare !== 0) out[off + 18 + bytes] = out[off + 18 + bytes]! & (0xff << (8 - spare))
  return off + 19 + bytes
}

/**
 * Wire length of a name made only of printable ASCII labels without escapes (what parseQuery returns for ordinary
 * names, and what configs contain), or -1 when the general path must encode it.
 */
function plainWireLength(name: string): number {
  if (name === '') return 1
  let labelLength = 0
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c === 0x2e) {
      if (labelLength === 0 || labelLength > MAX_LABEL_LENGTH) return -1
      labelLength = 0
    } else if (c === 0x5c || c >= 0x80) {
      return -1
    } else {
      labelLength++
    }
  }
  if (labelLength === 0 || labelLength > MAX_LABEL_LENGTH || name.length + 2 > MAX_NAME_WIRE_LENGTH) return -1
  return name.length + 2
}

/** Writes a name {@link plainWireLength} accepted; returns the offset after it. */
function writePlainName(out: Uint8Array, off: number, name: string): number {
  if (name === '') {
    out[off] = 0
    return off + 1
  }
  let lengthAt = off
  let p = off + 1
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c === 0x2e) {
      out[lengthAt] = p - lengthAt - 1
      lengthAt = p
    } else {
      out[p] = c
    }
    p++
  }
  out[lengthAt] = p - lengthAt - 1
  out[p] = 0
  return p + 1
}

/** The question name on the wire: exactly the received bytes, as the name text round-trips. */
function questionWire(question: DnsQuestion): Uint8Array {
  const plainLength = plainWireLength(question.name)
  if (plainLength > 0) {
    const wire = new Uint8Array(plainLength)
    writePlainName(wire, 0, question.name)
    return wire
  }
  const { labels, wireLength } = nameToLabels(question.name)
  const wire = new Uint8Array(wireLength)
  let off = 0
  for (const label of labels) {
    wire[off++] = label.length
    wire.set(label, off)
    off += label.length
  }
  wire[off] = 0
  return wire
}

function clampTtl(ttl: number): number {
  return ttl >= 0 ? (ttl < MAX_TTL ? ttl >>> 0 : MAX_TTL) : 0
}

/**
 * The hot path: question + N A/AAAA records owned by the question name + optional OPT. Each answer is a fixed
 * 12-byte prefix (a pointer to the question name at offset 12) plus the address, written into an exact-size buffer.
 * Returns undefined when the message does not have this shape.
 */
function encodeAddressAnswers(
  msg: ResponseMessage,
  question: DnsQuestion,
  limit: number,
): Uint8Array | undefined {
  const answers = msg.answers
  let answerBytes = 0
  let lowerName: string | undefined
  for (const rr of answers) {
    if (rr.type !== 'A' && rr.type !== 'AAAA') return undefined
    if (rr.name !== question.name) {
      lowerName ??= asciiLower(question.name)
      if (asciiLower(rr.name) !== lowerName) return undefined
    }
    answerBytes += rr.type === 'A' ? 16 : 28
  }
  const plainLength = plainWireLength(question.name)
  const qwire = plainLength > 0 ? undefined : questionWire(question)
  const nameLength = qwire === undefined ? plainLength : qwire.length
  const edns = msg.edns
  const size = 12 + nameLength + 4 + answerBytes + optLength(edns)
  if (size > limit) return encodeTruncated(msg, limit)
  const out = Buffer.allocUnsafe(size)
  writeHeader(out, msg, false, 1, answers.length, 0, edns === undefined ? 0 : 1)
  if (qwire === undefined) writePlainName(out, 12, question.name)
  else out.set(qwire, 12)
  let off = 12 + nameLength
  out[off] = (question.type >> 8) & 0xff
  out[off + 1] = question.type & 0xff
  out[off + 2] = (question.class >> 8) & 0xff
  out[off + 3] = question.class & 0xff
  off += 4
  for (const rr of answers) {
    const address = (rr as { address: Uint8Array }).address
    const addressLength = rr.type === 'A' ? 4 : 16
    if (address.length !== addressLength) {
      throw new DnsWireError(
        'GSLB_DNS_INVALID_RECORD',
        `${rr.type} record for '${rr.name}' has a ${address.length}-byte address, expected ${addressLength}`,
      )
    }
    const ttl = clampTtl(rr.ttl)
    out[off] = 0xc0
    out[off + 1] = 12
    out[off + 2] = 0
    out[off + 3] = rr.type === 'A' ? RRType.A : RRType.AAAA
    out[off + 4] = 0
    out[off + 5] = CLASS_IN
    out[off + 6] = ttl >>> 24
    out[off + 7] = (ttl >> 16) & 0xff
    out[off + 8] = (ttl >> 8) & 0xff
    out[off + 9] = ttl & 0xff
    out[off + 10] = 0
    out[off + 11] = addressLength
    out.set(address, off + 12)
    off += 12 + addressLength
  }
  if (edns !== undefined) off = writeOpt(out, off, msg, edns)
  return out
}

/** Header (TC=1) + question + OPT: always fits in 512 bytes (name ≤ 255, OPT with ECS ≤ 35). */
function encodeTruncated(msg: ResponseMessage, limit: number): Uint8Array {
  const qwire = msg.question === undefined ? undefined : questionWire(msg.question)
  const size = 12 + (qwire === undefined ? 0 : qwire.length + 4) + optLength(msg.edns)
  const out = Buffer.allocUnsafe(Math.min(size, limit))
  writeHeader(out, msg, true, qwire === undefined ? 0 : 1, 0, 0, msg.edns === undefined ? 0 : 1)
  let off = 12
  if (qwire !== undefined && msg.question !== undefined) {
    out.set(qwire, off)
    off += qwire.length
    out[off] = (msg.question.type >> 8) & 0xff
    out[off + 1] = msg.question.type & 0xff
    out[off + 2] = (msg.question.class >> 8) & 0xff
    out[off + 3] = msg.question.class & 0xff
    off += 4
  }
  if (msg.edns !== undefined) writeOpt(out, off, msg, msg.edns)
  return out
}

class Overflow extends Error {}

/** Writer over a scratch buffer with a suffix → offset compression map. Shared scratch: encoding is synchronous. */
const scratch = new Uint8Array(MAX_DNS_MESSAGE_SIZE + 1024)

class Writer {
  off = 12
  private readonly compression = new Map<string, number>()

  room(n: number): void {
    if (this.off + n > MAX_DNS_MESSAGE_SIZE) throw new Overflow()
  }

  u8(v: number): void {
    this.room(1)
    scratch[this.off++] = v & 0xff
  }

  u16(v: number): void {
    this.room(2)
    scratch[this.off] = (v >> 8) & 0xff
    scratch[this.off + 1] = v & 0xff
    this.off += 2
  }

  u32(v: number): void {
    this.room(4)
    scratch[this.off] = (v >>> 24) & 0xff
    scratch[this.off + 1] = (v >> 16) & 0xff
    scratch[this.off + 2] = (v >> 8) & 0xff
    scratch[this.off + 3] = v & 0xff
    this.off += 4
  }

  bytes(b: Uint8Array): void {
    this.room(b.length)
    scratch.set(b, this.off)
    this.off += b.length
  }

  name(name: string): void {
    const { labels, starts, text } = nameToLabels(name)
    const lower = asciiLower(text)
    for (let i = 0; i < labels.length; i++) {
      const key = lower.slice(starts[i])
      const pointer = this.compression.get(key)
      if (pointer !== undefined) {
        this.u16(0xc000 | pointer)
        return
      }
      if (this.off < 0x4000) this.compression.set(key, this.off)
      const label = labels[i]!
      this.u8(label.length)
      this.bytes(label)
    }
    this.u8(0)
  }
}

function typeCode(rr: ResourceRecord): number {
  return RRType[rr.type]
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name)
  w.u16(typeCode(rr))
  w.u16(CLASS_IN)
  w.u32(clampTtl(rr.ttl))
  const lengthAt = w.off
  w.u16(0)
  switch (rr.type) {
    case 'A':
    case 'AAAA': {
      const expected = rr.type === 'A' ? 4 : 16
      if (rr.address.length !== expected) {
        throw new DnsWireError(
          'GSLB_DNS_INVALID_RECORD',
          `${rr.type} record for '${rr.name}' has a ${rr.address.length}-byte address, expected ${expected}`,
        )
      }
      w.bytes(rr.address)
      break
    }
    case 'CNAME':
    case 'NS':
      w.name(rr.target)
      break
    case 'TXT':
      writeTxt(w, rr.text)
      break
    case 'SOA':
      w.name(rr.mname)
      w.name(rr.rname)
      for (const v of [rr.serial, rr.refresh, rr.retry, rr.expire, rr.minimum]) w.u32(v >>> 0)
      break
    default:
      throw new DnsWireError(
        'GSLB_DNS_INVALID_RECORD',
        `unsupported record type '${(rr as { type: string }).type}'`,
      )
  }
  const rdLength = w.off - lengthAt - 2
  scratch[lengthAt] = rdLength >> 8
  scratch[lengthAt + 1] = rdLength & 0xff
}

/** Each string is UTF-8 and split into ≤ 255-byte character-strings; an empty list becomes one empty string. */
function writeTxt(w: Writer, text: string[]): void {
  if (text.length === 0) {
    w.u8(0)
    return
  }
  for (const s of text) {
    const bytes = utf8.encode(s)
    if (bytes.length === 0) w.u8(0)
    for (let i = 0; i < bytes.length; i += 255) {
      const chunk = bytes.subarray(i, Math.min(i + 255, bytes.length))
      w.u8(chunk.length)
      w.bytes(chunk)
    }
  }
}

function encodeGeneral(msg: ResponseMessage, limit: number): Uint8Array {
  const w = new Writer()
  const opt = optLength(msg.edns)
  try {
    if (msg.question !== undefined) {
      w.name(msg.question.name)
      w.u16(msg.question.type)
      w.u16(msg.question.class)
    }
    for (const rr of msg.answers) writeRecord(w, rr)
    for (const rr of msg.authority) writeRecord(w, rr)
    for (const rr of msg.additional) writeRecord(w, rr)
    if (w.off + opt > limit) return encodeTruncated(msg, limit)
  } catch (err) {
    if (err instanceof Overflow) return encodeTruncated(msg, limit)
    throw err
  }
  const out = Buffer.allocUnsafe(w.off + opt)
  const arcount = msg.additional.length + (msg.edns === undefined ? 0 : 1)
  writeHeader(
    out,
    msg,
    false,
    msg.question === undefined ? 0 : 1,
    msg.answers.length,
    msg.authority.length,
    arcount,
  )
  out.set(scratch.subarray(12, w.off), 12)
  if (msg.edns !== undefined) writeOpt(out, w.off, msg, msg.edns)
  return out
}
