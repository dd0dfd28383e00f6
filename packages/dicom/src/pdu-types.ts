import type { PDU_TYPE } from './constants.js'
import type {
  AbortReason,
  AbortSource,
  PresentationContextResult,
  RejectReason,
  RejectResult,
  RejectSource,
} from './words.js'

export type PduTypeName = keyof typeof PDU_TYPE

export const PDU_TYPE_NAMES: readonly (PduTypeName | undefined)[] = [
  undefined,
  'A-ASSOCIATE-RQ',
  'A-ASSOCIATE-AC',
  'A-ASSOCIATE-RJ',
  'P-DATA-TF',
  'A-RELEASE-RQ',
  'A-RELEASE-RP',
  'A-ABORT',
]

/** User information sub-items we do not interpret (role selection, user identity, ...) pass through raw. */
export interface UserInformationSubItem {
  type: number
  data: Uint8Array
}

export interface UserInformation {
  /** Maximum P-DATA-TF variable field the sender can receive; 0 means unlimited. */
  maxLength?: number
  implementationClassUID?: string
  implementationVersionName?: string
  other?: UserInformationSubItem[]
}

export interface PresentationContextRq {
  /** Odd number 1-255 chosen by the requestor. */
  id: number
  abstractSyntax: string
  transferSyntaxes: string[]
}

export interface PresentationContextAc {
  id: number
  result: PresentationContextResult
  /** The accepted transfer syntax; meaningless (and may be absent) when the context was not accepted. */
  transferSyntax?: string
}

interface AssociateCommon {
  protocolVersion: number
  calledAE: string
  callingAE: string
  applicationContext: string
  userInformation: UserInformation
}

export interface AssociateRqPdu extends AssociateCommon {
  type: 'A-ASSOCIATE-RQ'
  presentationContexts: PresentationContextRq[]
}

export interface AssociateAcPdu extends AssociateCommon {
  type: 'A-ASSOCIATE-AC'
  presentationContexts: PresentationContextAc[]
}

export interface AssociateRjPdu {
  type: 'A-ASSOCIATE-RJ'
  result: RejectResult
  source: RejectSource
  reason: RejectReason
}

/** One presentation data value: a fragment of a command or a data set. */
export interface Pdv {
  contextId: number
  command: boolean
  last: boolean
  data: Uint8Array
}

export interface PDataTfPdu {
  type: 'P-DATA-TF'
  pdvs: Pdv[]
}

export interface ReleaseRqPdu {
  type: 'A-RELEASE-RQ'
}

export interface ReleaseRpPdu {
  type: 'A-RELEASE-RP'
}

export interface AbortPdu {
  type: 'A-ABORT'
  source: AbortSource
  reason: AbortReason
}

export type Pdu =
  | AssociateRqPdu
  | AssociateAcPdu
  | AssociateRjPdu
  | PDataTfPdu
  | ReleaseRqPdu
  | ReleaseRpPdu
  | AbortPdu
