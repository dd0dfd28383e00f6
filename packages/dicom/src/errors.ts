import type { AbortReason } from './words.js'

/** Stable error codes of @gslb/dicom. Callers match on `code`, never on the message. */
export type DicomErrorCode =
  /** An option passed to a function of this package is invalid; the message names the option. */
  | 'GSLB_DICOM_INVALID_OPTION'
  /** A value given to an encoder cannot be put on the wire (bad UID, AE title, id, length). */
  | 'GSLB_DICOM_INVALID_VALUE'
  /** Bytes claim to be a PDU but break PS3.8 (bad lengths, missing items, bad values). */
  | 'GSLB_DICOM_MALFORMED_PDU'
  /** The PDU type byte is not one of the seven PDU types: these bytes are not DICOM. */
  | 'GSLB_DICOM_UNRECOGNIZED_PDU'
  /** A PDU header announces more bytes than the configured maximum. */
  | 'GSLB_DICOM_PDU_TOO_LARGE'
  /** A DIMSE command set breaks PS3.7 (bad element lengths, wrong group, missing elements). */
  | 'GSLB_DICOM_MALFORMED_COMMAND'
  /** The verification server could not listen. */
  | 'GSLB_DICOM_LISTEN_FAILED'

/** The one base error of @gslb/dicom. */
export class DicomError extends Error {
  override readonly name = 'DicomError'
  readonly code: DicomErrorCode

  constructor(code: DicomErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function isDicomError(value: unknown): value is DicomError {
  return (
    value instanceof Error &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (value as DicomError).code.startsWith('GSLB_DICOM_')
  )
}

export function invalidOption(option: string, problem: string): DicomError {
  return new DicomError('GSLB_DICOM_INVALID_OPTION', `invalid option '${option}': ${problem}`)
}

/** Network-facing code never lets an exception escape: anything unexpected becomes a malformed-PDU error. */
export function asDicomError(error: unknown): DicomError {
  if (isDicomError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new DicomError('GSLB_DICOM_MALFORMED_PDU', `cannot handle the PDU: ${message}`, { cause: error })
}

/** The A-ABORT reason (PS3.8 Table 9-26) for bytes that broke the protocol: the framer's or the decoder's error. */
export function protocolAbortReason(error: unknown): AbortReason {
  return isDicomError(error) && error.code === 'GSLB_DICOM_UNRECOGNIZED_PDU'
    ? 'unrecognized-PDU'
    : 'invalid-PDU-parameter-value'
}
