import { DnsWireError } from './errors.js'
import {
  CLASS_IN,
  clampTtl,
  encodeTruncated,
  optLength,
  plainWireLength,
  questionWire,
  writeHeader,
  writeOpt,
  writePlainName,
} from './message-parts.js'
import { asciiLower } from './names.js'
import { type DnsQuestion, type ResponseMessage, RRType } from './types.js'

/**
 * The hot path: question + N A/AAAA records owned by the question name + optional OPT. Each answer is a fixed
 * 12-byte prefix (a pointer to the question name at offset 12) plus the address, written into an exact-size buffer.
 * Returns undefined when the message does not have this shape.
 */
export function encodeAddressAnswers(
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
