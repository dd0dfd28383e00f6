/**
 * DNS wire format for the engine: a strict, bounded query parser and a response encoder with name compression.
 *
 * What callers can rely on beyond the types in types.ts:
 * - the `error` variant of `QueryParseResult` also carries `cd` (copied into the error response);
 * - `ResponseMessage.edns.dnssecOk?` (copy of the query's DO bit, RFC 3225 §3; default false);
 * - `DnsQuestion.name` escapes non-printable bytes, `.` and `\` inside a label as `\DDD`, `\.`, `\\`;
 * - `encodeResponse` clamps `maxSize` to 512..65535 and throws `DnsWireError` (`GSLB_DNS_INVALID_RECORD` /
 *   `GSLB_DNS_INVALID_NAME`) only for records the engine built wrongly;
 * - `errorResponse(result)` builds the `ResponseMessage` for a parse `error` result (FORMERR/NOTIMP/BADVERS).
 */
export { encodeResponse } from './encode.js'
export { ADVERTISED_UDP_PAYLOAD_SIZE, errorResponse } from './error-response.js'
export { DnsWireError, type DnsWireErrorCode } from './errors.js'
export { MAX_DNS_MESSAGE_SIZE, MAX_QUERY_ADDITIONAL, parseQuery } from './parse-query.js'
export {
  type DnsQuestion,
  ECS_OPTION_CODE,
  type EcsOption,
  type EdnsInfo,
  type ParsedQuery,
  type QueryParseResult,
  Rcode,
  type ResourceRecord,
  type ResponseEdns,
  type ResponseMessage,
  RRType,
} from './types.js'
