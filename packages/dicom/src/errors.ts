import type { AbortReason } from './words.js'

/** Stable error codes of @gslb/dicom. Callers match on `code`, never on the message. */
export const DicomErrorCode = {
  /** An option passed to a function of this package is invalid; `path` and the message name the option. */
  OPTIONS_INVALID: 'GSLB_DICOM_OPTIONS_INVALID',
  /** A value given to an encoder cannot be put on the wire (bad UID, AE title, id, length). */
  INVALID_VALUE: 'GSLB_DICOM_INVALID_VALUE',
  /** Bytes claim to be a PDU but break PS3.8 (bad lengths, missing items, bad values). */
  MALFORMED_PDU: 'GSLB_DICOM_MALFORMED_PDU',
  /** The PDU type byte is not one of the seven PDU types: these bytes are not DICOM. */
  UNRECOGNIZED_PDU: 'GSLB_DICOM_UNRECOGNIZED_PDU',
  /** A PDU header announces more bytes than the configured maximum. */
  PDU_TOO_LARGE: 'GSLB_DICOM_PDU_TOO_LARGE',
  /** A DIMSE command set breaks PS3.7 (bad element lengths, wrong group, missing elements). */
  MALFORMED_COMMAND: 'GSLB_DICOM_MALFORMED_COMMAND',
  /** The verification server could not bind its port. */
  LISTEN_FAILED: 'GSLB_DICOM_LISTEN_FAILED',
  /** The verification server was closed or destroyed: it cannot start (again). */
  CLOSED: 'GSLB_DICOM_CLOSED',
} as const

export type DicomErrorCode = (typeof DicomErrorCode)[keyof typeof DicomErrorCode]

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(DicomErrorCode))

/** The one error class of @gslb/dicom; the code says what kind. */
export class DicomError extends Error {
  override name = 'DicomError'
  readonly code: DicomErrorCode
  /** Where the problem is, as a dotted path into the options (`acceptCalledAE[1]`), when known. */
  readonly path: string | undefined

  constructor(code: DicomErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.path = options.path
  }
}

/** True for a DicomError, also one from another copy of this package (matches name and a known code, not instanceof). */
export function isDicomError(value: unknown): value is DicomError {
  return (
    value instanceof Error &&
    value.name === 'DicomError' &&
    KNOWN_CODES.has((value as { code?: unknown }).code as string)
  )
}

export function invalidOption(option: string, problem: string): DicomError {
  return new DicomError(DicomErrorCode.OPTIONS_INVALID, `invalid option '${option}': ${problem}`, {
    path: option,
  })
}

/** Network-facing code never lets an exception escape: anything unexpected becomes a malformed-PDU error. */
export function asDicomError(error: unknown): DicomError {
  if (isDicomError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new DicomError(DicomErrorCode.MALFORMED_PDU, `cannot handle the PDU: ${message}`, { cause: error })
}

/** The A-ABORT reason (PS3.8 Table 9-26) for bytes that broke the protocol: the framer's or the decoder's error. */
export function protocolAbortReason(error: unknown): AbortReason {
  return isDicomError(error) && error.code === DicomErrorCode.UNRECOGNIZED_PDU
    ? 'unrecognized-PDU'
    : 'invalid-PDU-parameter-value'
}
