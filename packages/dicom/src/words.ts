/**
 * PS3.8 numeric codes as words (Table 9-21 for A-ASSOCIATE-RJ, 9-26 for A-ABORT, 9-18 for
 * presentation context results), and the sentences an operator reads.
 */

export type RejectResult = 'rejected-permanent' | 'rejected-transient'
export type RejectSource = 'service-user' | 'service-provider-acse' | 'service-provider-presentation'
/** Defined reasons, or `reserved-<n>` for a value PS3.8 reserves (kept so nothing is lost). */
export type RejectReason =
  | 'no-reason-given'
  | 'application-context-name-not-supported'
  | 'calling-AE-title-not-recognized'
  | 'called-AE-title-not-recognized'
  | 'protocol-version-not-supported'
  | 'temporary-congestion'
  | 'local-limit-exceeded'
  | `reserved-${number}`

export type AbortSource = 'service-user' | 'service-provider'
export type AbortReason =
  | 'not-significant'
  | 'reason-not-specified'
  | 'unrecognized-PDU'
  | 'unexpected-PDU'
  | 'unrecognized-PDU-parameter'
  | 'unexpected-PDU-parameter'
  | 'invalid-PDU-parameter-value'
  | `reserved-${number}`

export type PresentationContextResult =
  | 'acceptance'
  | 'user-rejection'
  | 'no-reason'
  | 'abstract-syntax-not-supported'
  | 'transfer-syntaxes-not-supported'

export const REJECT_RESULTS: Readonly<Record<number, RejectResult>> = {
  1: 'rejected-permanent',
  2: 'rejected-transient',
}

export const REJECT_SOURCES: Readonly<Record<number, RejectSource>> = {
  1: 'service-user',
  2: 'service-provider-acse',
  3: 'service-provider-presentation',
}

const REJECT_REASONS: Readonly<Record<RejectSource, Readonly<Record<number, RejectReason>>>> = {
  'service-user': {
    1: 'no-reason-given',
    2: 'application-context-name-not-supported',
    3: 'calling-AE-title-not-recognized',
    7: 'called-AE-title-not-recognized',
  },
  'service-provider-acse': { 1: 'no-reason-given', 2: 'protocol-version-not-supported' },
  'service-provider-presentation': { 1: 'temporary-congestion', 2: 'local-limit-exceeded' },
}

export const ABORT_SOURCES: Readonly<Record<number, AbortSource>> = {
  0: 'service-user',
  2: 'service-provider',
}

const ABORT_REASONS: Readonly<Record<number, AbortReason>> = {
  0: 'reason-not-specified',
  1: 'unrecognized-PDU',
  2: 'unexpected-PDU',
  4: 'unrecognized-PDU-parameter',
  5: 'unexpected-PDU-parameter',
  6: 'invalid-PDU-parameter-value',
}

export const PRESENTATION_CONTEXT_RESULTS: readonly PresentationContextResult[] = [
  'acceptance',
  'user-rejection',
  'no-reason',
  'abstract-syntax-not-supported',
  'transfer-syntaxes-not-supported',
]

export function rejectReasonWord(source: RejectSource, code: number): RejectReason {
  return REJECT_REASONS[source][code] ?? `reserved-${code}`
}

/** The number for a reason word under `source`, or undefined when that source does not define it. */
export function rejectReasonCode(source: RejectSource, reason: RejectReason): number | undefined {
  return codeOf(REJECT_REASONS[source], reason)
}

export function abortReasonWord(source: AbortSource, code: number): AbortReason {
  if (source === 'service-user') return 'not-significant'
  return ABORT_REASONS[code] ?? `reserved-${code}`
}

export function abortReasonCode(source: AbortSource, reason: AbortReason): number | undefined {
  if (source === 'service-user') return reason === 'not-significant' ? 0 : undefined
  return codeOf(ABORT_REASONS, reason)
}

export function codeOf<T extends string>(table: Readonly<Record<number, T>>, word: T): number | undefined {
  for (const [code, name] of Object.entries(table)) if (name === word) return Number(code)
  const reserved = /^reserved-(\d{1,3})$/.exec(word)
  if (reserved && Number(reserved[1]) <= 255 && !(Number(reserved[1]) in table)) return Number(reserved[1])
  return undefined
}

const REJECT_REASON_TEXT: Readonly<Record<string, string>> = {
  'no-reason-given': 'no reason given',
  'application-context-name-not-supported': 'application context name not supported',
  'calling-AE-title-not-recognized': 'calling AE title not recognized',
  'called-AE-title-not-recognized': 'called AE title not recognized',
  'protocol-version-not-supported': 'protocol version not supported',
  'temporary-congestion': 'temporary congestion',
  'local-limit-exceeded': 'local limit exceeded',
}

const REJECT_SOURCE_TEXT: Readonly<Record<RejectSource, string>> = {
  'service-user': 'called AE',
  'service-provider-acse': 'peer DICOM stack (ACSE)',
  'service-provider-presentation': 'peer DICOM stack (presentation)',
}

/** "association rejected by called AE: called AE title not recognized (permanent)" */
export function describeReject(rj: {
  result: RejectResult
  source: RejectSource
  reason: RejectReason
}): string {
  const reason = REJECT_REASON_TEXT[rj.reason] ?? rj.reason
  const result = rj.result === 'rejected-permanent' ? 'permanent' : 'transient'
  return `association rejected by ${REJECT_SOURCE_TEXT[rj.source]}: ${reason} (${result})`
}

/** "association aborted by peer DICOM stack: unexpected PDU" */
export function describeAbort(abort: { source: AbortSource; reason: AbortReason }): string {
  if (abort.source === 'service-user') return 'association aborted by the peer application'
  return `association aborted by peer DICOM stack: ${abort.reason.replaceAll('-', ' ')}`
}
