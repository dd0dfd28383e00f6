import { aeTitleProblem, uidProblem } from './bytes.js'
import { DICOM_APPLICATION_CONTEXT, PDU_HEADER_LENGTH, PDU_TYPE, PROTOCOL_VERSION } from './constants.js'
import { DicomError, DicomErrorCode } from './errors.js'
import type {
  AbortPdu,
  AssociateAcPdu,
  AssociateRjPdu,
  AssociateRqPdu,
  Pdu,
  Pdv,
  UserInformation,
} from './pdu-types.js'
import {
  ABORT_SOURCES,
  abortReasonCode,
  codeOf,
  PRESENTATION_CONTEXT_RESULTS,
  REJECT_RESULTS,
  REJECT_SOURCES,
  rejectReasonCode,
} from './words.js'

/** Fields of an A-ASSOCIATE-RQ; protocol version and application context default to DICOM's. */
export type AssociateRqInit = Omit<AssociateRqPdu, 'type' | 'protocolVersion' | 'applicationContext'> &
  Partial<Pick<AssociateRqPdu, 'protocolVersion' | 'applicationContext'>>
export type AssociateAcInit = Omit<AssociateAcPdu, 'type' | 'protocolVersion' | 'applicationContext'> &
  Partial<Pick<AssociateAcPdu, 'protocolVersion' | 'applicationContext'>>

const MAX_ITEM_LENGTH = 0xffff
const MAX_PDU_BODY = 0xffffffff

function invalid(field: string, problem: string): DicomError {
  return new DicomError(DicomErrorCode.INVALID_VALUE, `cannot encode ${field}: ${problem}`)
}

function header(type: number, bodyLength: number): Buffer {
  if (bodyLength > MAX_PDU_BODY) throw invalid('PDU', `length ${bodyLength} exceeds 2^32-1`)
  const head = Buffer.alloc(PDU_HEADER_LENGTH)
  head[0] = type
  head.writeUInt32BE(bodyLength, 2)
  return head
}

function item(type: number, body: Buffer, field: string): Buffer {
  if (body.length > MAX_ITEM_LENGTH) throw invalid(field, `item length ${body.length} exceeds 65535`)
  const head = Buffer.alloc(4)
  head[0] = type
  head.writeUInt16BE(body.length, 2)
  return Buffer.concat([head, body])
}

function uid(value: string, field: string): Buffer {
  const problem = uidProblem(value)
  if (problem) throw invalid(field, problem)
  return Buffer.from(value, 'latin1')
}

function aeField(value: string, field: string): Buffer {
  const problem = aeTitleProblem(value)
  if (problem) throw invalid(field, problem)
  const out = Buffer.alloc(16, 0x20)
  out.write(value, 'latin1')
  return out
}

function contextId(id: number, field: string): number {
  if (!Number.isInteger(id) || id < 1 || id > 255 || id % 2 === 0) {
    throw invalid(field, `presentation context id must be an odd integer 1-255, got ${id}`)
  }
  return id
}

function byteValue(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 255)
    throw invalid(field, `must be an integer 0-255, got ${value}`)
  return value
}

function encodeUserInformation(info: UserInformation): Buffer {
  const subItems: Buffer[] = []
  if (info.maxLength !== undefined) {
    if (!Number.isInteger(info.maxLength) || info.maxLength < 0 || info.maxLength > MAX_PDU_BODY) {
      throw invalid('userInformation.maxLength', `must be an integer 0-4294967295, got ${info.maxLength}`)
    }
    const body = Buffer.alloc(4)
    body.writeUInt32BE(info.maxLength)
    subItems.push(item(0x51, body, 'userInformation.maxLength'))
  }
  if (info.implementationClassUID !== undefined) {
    const body = uid(info.implementationClassUID, 'userInformation.implementationClassUID')
    subItems.push(item(0x52, body, 'userInformation.implementationClassUID'))
  }
  if (info.implementationVersionName !== undefined) {
    const problem = aeTitleProblem(info.implementationVersionName)
    if (problem) throw invalid('userInformation.implementationVersionName', problem)
    subItems.push(
      item(0x55, Buffer.from(info.implementationVersionName, 'latin1'), 'implementationVersionName'),
    )
  }
  for (const [index, sub] of (info.other ?? []).entries()) {
    const field = `userInformation.other[${index}]`
    if ([0x51, 0x52, 0x55].includes(sub.type))
      throw invalid(field, `sub-item type 0x${sub.type.toString(16)} has its own field`)
    subItems.push(item(byteValue(sub.type, `${field}.type`), Buffer.from(sub.data), field))
  }
  return item(0x50, Buffer.concat(subItems), 'userInformation')
}

function encodeAssociate(type: number, init: AssociateRqInit | AssociateAcInit, contexts: Buffer[]): Buffer {
  const version = init.protocolVersion ?? PROTOCOL_VERSION
  if (!Number.isInteger(version) || version < 0 || version > 0xffff) {
    throw invalid('protocolVersion', `must be an integer 0-65535, got ${version}`)
  }
  const fixed = Buffer.alloc(68)
  fixed.writeUInt16BE(version, 0)
  aeField(init.calledAE, 'calledAE').copy(fixed, 4)
  aeField(init.callingAE, 'callingAE').copy(fixed, 20)
  const parts = [
    fixed,
    item(
      0x10,
      uid(init.applicationContext ?? DICOM_APPLICATION_CONTEXT, 'applicationContext'),
      'applicationContext',
    ),
    ...contexts,
    encodeUserInformation(init.userInformation),
  ]
  const body = Buffer.concat(parts)
  return Buffer.concat([header(type, body.length), body])
}

function checkContextCount(count: number, seen: Set<number>, id: number, field: string): void {
  if (seen.has(id)) throw invalid(field, `presentation context id ${id} used twice`)
  seen.add(id)
  if (count > 128) throw invalid('presentationContexts', `at most 128 presentation contexts, got ${count}`)
}

export function encodeAssociateRq(init: AssociateRqInit): Buffer {
  const seen = new Set<number>()
  if (init.presentationContexts.length === 0)
    throw invalid('presentationContexts', 'at least one is required')
  const contexts = init.presentationContexts.map((pc, index) => {
    const field = `presentationContexts[${index}]`
    checkContextCount(init.presentationContexts.length, seen, contextId(pc.id, `${field}.id`), field)
    if (pc.transferSyntaxes.length === 0)
      throw invalid(`${field}.transferSyntaxes`, 'at least one is required')
    const subItems = [
      item(0x30, uid(pc.abstractSyntax, `${field}.abstractSyntax`), `${field}.abstractSyntax`),
      ...pc.transferSyntaxes.map((ts, i) => item(0x40, uid(ts, `${field}.transferSyntaxes[${i}]`), field)),
    ]
    return item(0x20, Buffer.concat([Buffer.from([pc.id, 0, 0, 0]), ...subItems]), field)
  })
  return encodeAssociate(PDU_TYPE['A-ASSOCIATE-RQ'], init, contexts)
}

export function encodeAssociateAc(init: AssociateAcInit): Buffer {
  const seen = new Set<number>()
  const contexts = init.presentationContexts.map((pc, index) => {
    const field = `presentationContexts[${index}]`
    checkContextCount(init.presentationContexts.length, seen, contextId(pc.id, `${field}.id`), field)
    const result = PRESENTATION_CONTEXT_RESULTS.indexOf(pc.result)
    if (result < 0) throw invalid(`${field}.result`, `unknown result '${pc.result}'`)
    if (result === 0 && pc.transferSyntax === undefined) {
      throw invalid(`${field}.transferSyntax`, 'an accepted presentation context needs a transfer syntax')
    }
    const subItems =
      pc.transferSyntax === undefined
        ? []
        : [item(0x40, uid(pc.transferSyntax, `${field}.transferSyntax`), `${field}.transferSyntax`)]
    return item(0x21, Buffer.concat([Buffer.from([pc.id, 0, result, 0]), ...subItems]), field)
  })
  return encodeAssociate(PDU_TYPE['A-ASSOCIATE-AC'], init, contexts)
}

export function encodeAssociateRj(rj: Omit<AssociateRjPdu, 'type'>): Buffer {
  const result = codeOf(REJECT_RESULTS, rj.result)
  const source = codeOf(REJECT_SOURCES, rj.source)
  if (result === undefined) throw invalid('result', `unknown reject result '${rj.result}'`)
  if (source === undefined) throw invalid('source', `unknown reject source '${rj.source}'`)
  const reason = rejectReasonCode(rj.source, rj.reason)
  if (reason === undefined) throw invalid('reason', `'${rj.reason}' is not a reason of source '${rj.source}'`)
  return Buffer.concat([header(PDU_TYPE['A-ASSOCIATE-RJ'], 4), Buffer.from([0, result, source, reason])])
}

export function encodeAbort(abort: Omit<AbortPdu, 'type'>): Buffer {
  const source = codeOf(ABORT_SOURCES, abort.source)
  if (source === undefined) throw invalid('source', `unknown abort source '${abort.source}'`)
  const reason = abortReasonCode(abort.source, abort.reason)
  if (reason === undefined)
    throw invalid('reason', `'${abort.reason}' is not a reason of source '${abort.source}'`)
  return Buffer.concat([header(PDU_TYPE['A-ABORT'], 4), Buffer.from([0, 0, source, reason])])
}

export function encodeReleaseRq(): Buffer {
  return Buffer.concat([header(PDU_TYPE['A-RELEASE-RQ'], 4), Buffer.alloc(4)])
}

export function encodeReleaseRp(): Buffer {
  return Buffer.concat([header(PDU_TYPE['A-RELEASE-RP'], 4), Buffer.alloc(4)])
}

export function encodePData(pdvs: readonly Pdv[]): Buffer {
  if (pdvs.length === 0) throw invalid('pdvs', 'a P-DATA-TF PDU carries at least one PDV')
  const parts: Buffer[] = []
  for (const [index, pdv] of pdvs.entries()) {
    const field = `pdvs[${index}]`
    const head = Buffer.alloc(6)
    if (pdv.data.length + 2 > MAX_PDU_BODY) throw invalid(field, 'fragment too large')
    head.writeUInt32BE(pdv.data.length + 2, 0)
    head[4] = contextId(pdv.contextId, `${field}.contextId`)
    head[5] = (pdv.command ? 0x01 : 0) | (pdv.last ? 0x02 : 0)
    parts.push(head, Buffer.from(pdv.data.buffer, pdv.data.byteOffset, pdv.data.byteLength))
  }
  const body = Buffer.concat(parts)
  return Buffer.concat([header(PDU_TYPE['P-DATA-TF'], body.length), body])
}

/**
 * Splits one message part (a command or a data set) into P-DATA-TF PDUs that respect the peer's
 * maximum length (0 = unlimited). The last fragment carries the "last" bit.
 */
export function encodeFragments(
  contextId: number,
  command: boolean,
  data: Uint8Array,
  peerMaxLength: number,
): Buffer[] {
  const room = peerMaxLength === 0 ? MAX_PDU_BODY - 6 : peerMaxLength - 6
  if (!Number.isInteger(room) || room < 1)
    throw invalid('peerMaxLength', `${peerMaxLength} leaves no room for data`)
  const pdus: Buffer[] = []
  let offset = 0
  do {
    const end = Math.min(data.length, offset + room)
    pdus.push(
      encodePData([{ contextId, command, last: end === data.length, data: data.subarray(offset, end) }]),
    )
    offset = end
  } while (offset < data.length)
  return pdus
}

/** Encodes any PDU object (the inverse of decodePdu). */
export function encodePdu(pdu: Pdu): Buffer {
  switch (pdu.type) {
    case 'A-ASSOCIATE-RQ':
      return encodeAssociateRq(pdu)
    case 'A-ASSOCIATE-AC':
      return encodeAssociateAc(pdu)
    case 'A-ASSOCIATE-RJ':
      return encodeAssociateRj(pdu)
    case 'P-DATA-TF':
      return encodePData(pdu.pdvs)
    case 'A-RELEASE-RQ':
      return encodeReleaseRq()
    case 'A-RELEASE-RP':
      return encodeReleaseRp()
    case 'A-ABORT':
      return encodeAbort(pdu)
    default:
      throw invalid('type', `unknown PDU type '${(pdu as { type: unknown }).type}'`)
  }
}
