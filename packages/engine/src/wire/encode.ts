import { encodeAddressAnswers } from './encode-fast.js'
import { encodeGeneral } from './encode-general.js'
import { MIN_RESPONSE_SIZE } from './message-parts.js'
import { MAX_DNS_MESSAGE_SIZE } from './parse-query.js'
import type { ResponseMessage } from './types.js'

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
