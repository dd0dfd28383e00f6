import type { QueryParseResult, ResponseMessage } from './types.js'

/** Advertised in every OPT we send (DNS flag day 2020: fits in one unfragmented IPv6 packet). */
export const ADVERTISED_UDP_PAYLOAD_SIZE = 1232

/**
 * The response to a query `parseQuery` could not accept but can answer (FORMERR, NOTIMP, BADVERS): the question
 * when it was understood, an OPT when the query had one (BADVERS needs it for its extended rcode), no records.
 */
export function errorResponse(result: Extract<QueryParseResult, { kind: 'error' }>): ResponseMessage {
  const msg: ResponseMessage = {
    id: result.id,
    opcode: result.opcode,
    aa: false,
    rd: result.rd,
    cd: result.cd,
    rcode: result.rcode,
    answers: [],
    authority: [],
    additional: [],
  }
  if (result.question !== undefined) msg.question = result.question
  if (result.edns !== undefined) msg.edns = { udpPayloadSize: ADVERTISED_UDP_PAYLOAD_SIZE }
  return msg
}
