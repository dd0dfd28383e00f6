/** Stable codes of {@link DnsWireError}. */
export type DnsWireErrorCode = 'GSLB_DNS_INVALID_NAME' | 'GSLB_DNS_INVALID_RECORD'

/**
 * Raised by the encoder for records the engine built wrongly (a 3-byte A address, a 64-byte label, ...).
 * `parseQuery` never throws: hostile input is a result, not an exception.
 */
export class DnsWireError extends Error {
  readonly code: DnsWireErrorCode

  constructor(code: DnsWireErrorCode, message: string) {
    super(message)
    this.name = 'DnsWireError'
    this.code = code
  }
}
