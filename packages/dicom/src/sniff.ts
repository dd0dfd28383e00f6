import { DEFAULT_SNIFF_MAX_BYTES, PDU_HEADER_LENGTH, PDU_TYPE } from './constants.js'
import { invalidOption, isDicomError } from './errors.js'
import { decodePdu } from './pdu-decode.js'
import type { PresentationContextRq, UserInformation } from './pdu-types.js'

export interface SniffComplete {
  status: 'complete'
  callingAE: string
  calledAE: string
  /** Proposed abstract syntaxes (SOP classes), without duplicates, in proposal order. */
  abstractSyntaxes: string[]
  presentationContexts: PresentationContextRq[]
  applicationContext: string
  protocolVersion: number
  userInformation: UserInformation
  /** Size of the A-ASSOCIATE-RQ PDU, header included, as its header announces it. */
  pduLength: number
  /**
   * True when the request is larger than `maxBytes`: the result describes the items that fit in the
   * bytes examined (AE titles always; presentation contexts and user information as far as they fit).
   */
  truncated: boolean
}

export interface SniffNeedMore {
  status: 'need-more'
  /** At least this many more bytes are needed before an answer is possible. */
  needed: number
}

export interface SniffNotDicom {
  status: 'not-dicom'
  reason: string
}

export type SniffResult = SniffComplete | SniffNeedMore | SniffNotDicom

export interface SniffOptions {
  /** Never examine (or ask for) more than this many bytes. Default 65536. */
  maxBytes?: number
}

/**
 * Reads calling AE, called AE and proposed abstract syntaxes from the first bytes a modality sends,
 * without consuming anything: call it again with more bytes after `need-more`. Pure and bounded;
 * it never throws for any input (only for invalid options).
 */
export function sniffAssociation(firstBytes: Uint8Array, options: SniffOptions = {}): SniffResult {
  if (!(firstBytes instanceof Uint8Array))
    throw invalidOption('firstBytes', 'expected a Uint8Array or Buffer')
  const maxBytes = options.maxBytes ?? DEFAULT_SNIFF_MAX_BYTES
  if (!Number.isInteger(maxBytes) || maxBytes < 74 || maxBytes > 16 * 1024 * 1024) {
    throw invalidOption('maxBytes', `expected an integer 74-16777216, got ${String(maxBytes)}`)
  }
  if (firstBytes.length === 0) return { status: 'need-more', needed: PDU_HEADER_LENGTH }
  const type = firstBytes[0]!
  if (type !== PDU_TYPE['A-ASSOCIATE-RQ']) {
    return {
      status: 'not-dicom',
      reason: `first byte 0x${type.toString(16).padStart(2, '0')} is not an A-ASSOCIATE-RQ (0x01)`,
    }
  }
  if (firstBytes.length < PDU_HEADER_LENGTH)
    return { status: 'need-more', needed: PDU_HEADER_LENGTH - firstBytes.length }
  const view = new DataView(firstBytes.buffer, firstBytes.byteOffset, firstBytes.byteLength)
  const length = view.getUint32(2)
  const total = PDU_HEADER_LENGTH + length
  if (length < 68)
    return { status: 'not-dicom', reason: `A-ASSOCIATE-RQ length ${length} is below the minimum of 68` }
  const examined = Math.min(total, maxBytes)
  if (firstBytes.length < examined) return { status: 'need-more', needed: examined - firstBytes.length }
  try {
    const bytes = firstBytes.subarray(0, examined)
    const rq = decodePdu(total > maxBytes ? wholeItemsOf(bytes) : bytes)
    if (rq.type !== 'A-ASSOCIATE-RQ') return { status: 'not-dicom', reason: 'not an A-ASSOCIATE-RQ' }
    return {
      status: 'complete',
      callingAE: rq.callingAE,
      calledAE: rq.calledAE,
      abstractSyntaxes: [...new Set(rq.presentationContexts.map((pc) => pc.abstractSyntax))],
      presentationContexts: rq.presentationContexts,
      applicationContext: rq.applicationContext,
      protocolVersion: rq.protocolVersion,
      userInformation: rq.userInformation,
      pduLength: total,
      truncated: total > maxBytes,
    }
  } catch (error) {
    if (isDicomError(error)) return { status: 'not-dicom', reason: error.message }
    throw error
  }
}

/**
 * The leading part of an oversized request that holds only whole top-level items, with its length
 * field rewritten, so the strict decoder can read what fits.
 */
function wholeItemsOf(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let end = PDU_HEADER_LENGTH + 68
  while (end + 4 <= bytes.length) {
    const next = end + 4 + view.getUint16(end + 2)
    if (next > bytes.length) break
    end = next
  }
  const cut = Uint8Array.from(bytes.subarray(0, end))
  new DataView(cut.buffer).setUint32(2, end - PDU_HEADER_LENGTH)
  return cut
}
