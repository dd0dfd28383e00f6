/**
 * @gslb/dicom — the DICOM upper layer gslb-lb needs (PS3.7, PS3.8), with no runtime dependencies:
 * a pure PDU codec and stream framer, C-ECHO command sets, an in-process `echo()` client that never
 * throws for network trouble, a Verification server (a stand-in PACS) and association sniffing.
 *
 * @example
 * ```ts
 * import { createVerificationServer, echo } from '@gslb/dicom'
 *
 * await using pacs = createVerificationServer({ aeTitle: 'PACS_MAIN', host: '127.0.0.1', port: 0, acceptCalledAE: false })
 * await pacs.start()
 * const { port } = pacs.address()!
 * const result = await echo({ host: '127.0.0.1', port, callingAE: 'CT_SCANNER_3', calledAE: 'PACS_MAIN', timeoutMs: 2000 })
 * console.log(result) // { ok: true, rttMs: 3.2, stage: 'release', reason: 'C-ECHO succeeded and ...', status: 0 }
 * // leaving the scope closes the server (pacs.close())
 * ```
 *
 * @packageDocumentation
 */

export {
  type CEchoRqInit,
  type CEchoRspInit,
  type DicomCommand,
  decodeCommand,
  encodeCEchoRq,
  encodeCEchoRsp,
} from './command.js'
export {
  COMMAND_C_ECHO_RQ,
  COMMAND_C_ECHO_RSP,
  COMMAND_TAG,
  DATA_SET_TYPE_NONE,
  DEFAULT_CALLED_AE,
  DEFAULT_CALLING_AE,
  DEFAULT_ECHO_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_PDU_LENGTH,
  DEFAULT_SNIFF_MAX_BYTES,
  DICOM_APPLICATION_CONTEXT,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
  IMPLICIT_VR_LITTLE_ENDIAN,
  MAX_ASSOCIATE_PDU_LENGTH,
  PDU_HEADER_LENGTH,
  PDU_TYPE,
  STATUS_SUCCESS,
  VERIFICATION_SOP_CLASS,
} from './constants.js'
export { type EchoOptions, type EchoResult, type EchoStage, echo } from './echo.js'
export { DicomError, DicomErrorCode, isDicomError } from './errors.js'
export { emitSafely, type HandlerErrorEvent, reportHandlerError } from './events.js'
export { PduFramer, type PduFramerOptions } from './framer.js'
export { decodePdu } from './pdu-decode.js'
export {
  type AssociateAcInit,
  type AssociateRqInit,
  encodeAbort,
  encodeAssociateAc,
  encodeAssociateRj,
  encodeAssociateRq,
  encodeFragments,
  encodePData,
  encodePdu,
  encodeReleaseRp,
  encodeReleaseRq,
} from './pdu-encode.js'
export type {
  AbortPdu,
  AssociateAcPdu,
  AssociateRjPdu,
  AssociateRqPdu,
  PDataTfPdu,
  Pdu,
  PduTypeName,
  Pdv,
  PresentationContextAc,
  PresentationContextRq,
  ReleaseRpPdu,
  ReleaseRqPdu,
  UserInformation,
  UserInformationSubItem,
} from './pdu-types.js'
export {
  createVerificationServer,
  type PeerInfo,
  type VerificationServer,
  type VerificationServerEvent,
  type VerificationServerEvents,
  type VerificationServerOptions,
} from './server.js'
export {
  type SniffComplete,
  type SniffNeedMore,
  type SniffNotDicom,
  type SniffOptions,
  type SniffResult,
  sniffAssociation,
} from './sniff.js'
export {
  type AbortReason,
  type AbortSource,
  describeAbort,
  describeReject,
  type PresentationContextResult,
  type RejectReason,
  type RejectResult,
  type RejectSource,
} from './words.js'
