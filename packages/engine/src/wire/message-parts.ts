import { DnsWireError } from './errors.js'
import { MAX_LABEL_LENGTH, MAX_NAME_WIRE_LENGTH, nameToLabels } from './names.js'
import {
  type DnsQuestion,
  ECS_OPTION_CODE,
  type EcsOption,
  Rcode,
  type ResponseEdns,
  type ResponseMessage,
  RRType,
} from './types.js'

/** Pieces shared by the fast and the general encoder: header, question name, OPT, truncated answer. */

export const MIN_RESPONSE_SIZE = 512
export const CLASS_IN = 1
const MAX_TTL = 0x7fffffff

export function writeHeader(
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

export function optLength(edns: ResponseEdns | undefined): number {
  if (edns === undefined) return 0
  return 11 + (edns.ecs === undefined ? 0 : 8 + ecsAddressBytes(edns.ecs))
}

/** Writes the OPT pseudo-record at `off`; returns the new offset. Assumes {@link optLength} bytes of room. */
export function writeOpt(out: Uint8Array, off: number, msg: ResponseMessage, edns: ResponseEdns): number {
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
export function plainWireLength(name: string): number {
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
export function writePlainName(out: Uint8Array, off: number, name: string): number {
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
export function questionWire(question: DnsQuestion): Uint8Array {
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

export function clampTtl(ttl: number): number {
  return ttl >= 0 ? (ttl < MAX_TTL ? ttl >>> 0 : MAX_TTL) : 0
}
/** Header (TC=1) + question + OPT: always fits in 512 bytes (name ≤ 255, OPT with ECS ≤ 35). */
export function encodeTruncated(msg: ResponseMessage, limit: number): Uint8Array {
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
