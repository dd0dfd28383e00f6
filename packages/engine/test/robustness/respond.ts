import {
  encodeResponse,
  errorResponse,
  parseQuery,
  Rcode,
  type ResourceRecord,
  type ResponseMessage,
} from '../../src/wire/index.js'

/**
 * A minimal authoritative responder over the wire codec: every query gets two A and one AAAA record, with ECS
 * echoed. Stands in for the engine where only the codec is under test.
 */
export function respond(query: Uint8Array, maxSize?: number): Uint8Array | null {
  const parsed = parseQuery(query)
  if (parsed.kind === 'drop') return null
  if (parsed.kind === 'error') return encodeResponse(errorResponse(parsed), 512)
  const { id, rd, cd, question, edns } = parsed.query
  const answers: ResourceRecord[] = [
    { name: question.name, type: 'A', ttl: 5, address: Uint8Array.of(192, 0, 2, 1) },
    { name: question.name, type: 'A', ttl: 5, address: Uint8Array.of(192, 0, 2, 2) },
    { name: question.name, type: 'AAAA', ttl: 5, address: new Uint8Array(16).fill(0x20, 0, 1) },
  ]
  const msg: ResponseMessage = {
    id,
    opcode: 0,
    aa: true,
    rd,
    cd,
    rcode: Rcode.NOERROR,
    question,
    answers,
    authority: [],
    additional: [],
  }
  if (edns !== undefined) {
    msg.edns = { udpPayloadSize: 1232, dnssecOk: edns.dnssecOk }
    if (edns.ecs !== undefined) msg.edns.ecs = { ...edns.ecs, scopePrefixLength: edns.ecs.sourcePrefixLength }
  }
  const limit = maxSize ?? (edns === undefined ? 512 : Math.max(512, Math.min(edns.udpPayloadSize, 1232)))
  return encodeResponse(msg, limit)
}
