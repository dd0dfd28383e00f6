import { asBuffer, Reader, trimText, uidProblem } from './bytes.js'
import { PDU_HEADER_LENGTH } from './constants.js'
import { DicomError, DicomErrorCode } from './errors.js'
import {
  type AbortPdu,
  type AssociateAcPdu,
  type AssociateRjPdu,
  type AssociateRqPdu,
  type PDataTfPdu,
  PDU_TYPE_NAMES,
  type Pdu,
  type PduTypeName,
  type Pdv,
  type PresentationContextAc,
  type PresentationContextRq,
  type UserInformation,
  type UserInformationSubItem,
} from './pdu-types.js'
import {
  ABORT_SOURCES,
  abortReasonWord,
  PRESENTATION_CONTEXT_RESULTS,
  REJECT_RESULTS,
  REJECT_SOURCES,
  rejectReasonWord,
} from './words.js'

/**
 * Decodes exactly one PDU: `bytes` must hold the 6-byte header and precisely the length it announces.
 * Throws DicomError (`GSLB_DICOM_UNRECOGNIZED_PDU` for an unknown type byte, `GSLB_DICOM_MALFORMED_PDU`
 * for anything else) and nothing else, whatever the input.
 */
export function decodePdu(bytes: Uint8Array): Pdu {
  const buf = asBuffer(bytes)
  if (buf.length === 0) throw malformed('PDU', `needs a ${PDU_HEADER_LENGTH}-byte header, got 0 bytes`)
  const name = pduTypeName(buf[0]!)
  if (buf.length < PDU_HEADER_LENGTH) {
    throw malformed(name, `needs a ${PDU_HEADER_LENGTH}-byte header, got ${buf.length} byte(s)`)
  }
  const length = buf.readUInt32BE(2)
  if (buf.length !== PDU_HEADER_LENGTH + length) {
    throw malformed(
      name,
      `header announces ${length} byte(s) after the header, got ${buf.length - PDU_HEADER_LENGTH}`,
    )
  }
  const reader = new Reader(buf, PDU_HEADER_LENGTH, buf.length, name, DicomErrorCode.MALFORMED_PDU)
  switch (name) {
    case 'A-ASSOCIATE-RQ':
      return decodeAssociate(reader, 'A-ASSOCIATE-RQ') as AssociateRqPdu
    case 'A-ASSOCIATE-AC':
      return decodeAssociate(reader, 'A-ASSOCIATE-AC') as AssociateAcPdu
    case 'A-ASSOCIATE-RJ':
      return decodeReject(reader)
    case 'P-DATA-TF':
      return decodePData(reader)
    case 'A-RELEASE-RQ':
    case 'A-RELEASE-RP':
      expectLength(reader, name, 4)
      return { type: name }
    case 'A-ABORT':
      return decodeAbort(reader)
  }
}

/** The PDU type name for a type byte, or a `GSLB_DICOM_UNRECOGNIZED_PDU` error. */
export function pduTypeName(typeByte: number): PduTypeName {
  const name = PDU_TYPE_NAMES[typeByte]
  if (name === undefined) {
    throw new DicomError(
      DicomErrorCode.UNRECOGNIZED_PDU,
      `unrecognized PDU type 0x${typeByte.toString(16).padStart(2, '0')}${guessProtocol(typeByte)}`,
    )
  }
  return name
}

function guessProtocol(typeByte: number): string {
  if (typeByte === 0x16) return ' (looks like a TLS handshake)'
  if (typeByte >= 0x41 && typeByte <= 0x5a)
    return ` ('${String.fromCharCode(typeByte)}': looks like a text protocol)`
  return ''
}

function malformed(what: string, problem: string): DicomError {
  return new DicomError(DicomErrorCode.MALFORMED_PDU, `${what}: ${problem}`)
}

function expectLength(reader: Reader, name: string, length: number): void {
  if (reader.remaining !== length) {
    throw malformed(name, `length must be ${length}, got ${reader.remaining}`)
  }
}

function decodeReject(reader: Reader): AssociateRjPdu {
  expectLength(reader, 'A-ASSOCIATE-RJ', 4)
  reader.skip(1, 'reserved')
  const resultCode = reader.u8('result')
  const sourceCode = reader.u8('source')
  const reasonCode = reader.u8('reason')
  const result = REJECT_RESULTS[resultCode]
  const source = REJECT_SOURCES[sourceCode]
  if (!result) throw reader.fail(`result ${resultCode} is not 1 (permanent) or 2 (transient)`, reader.pos - 3)
  if (!source) throw reader.fail(`source ${sourceCode} is not 1, 2 or 3`, reader.pos - 2)
  return { type: 'A-ASSOCIATE-RJ', result, source, reason: rejectReasonWord(source, reasonCode) }
}

function decodeAbort(reader: Reader): AbortPdu {
  expectLength(reader, 'A-ABORT', 4)
  reader.skip(2, 'reserved')
  const sourceCode = reader.u8('source')
  const reasonCode = reader.u8('reason')
  const source = ABORT_SOURCES[sourceCode]
  if (!source)
    throw reader.fail(`source ${sourceCode} is not 0 (service user) or 2 (service provider)`, reader.pos - 2)
  return { type: 'A-ABORT', source, reason: abortReasonWord(source, reasonCode) }
}

function decodePData(reader: Reader): PDataTfPdu {
  const pdvs: Pdv[] = []
  if (reader.remaining === 0) throw reader.fail('carries no PDV item')
  while (reader.remaining > 0) {
    const start = reader.pos
    const length = reader.u32be('PDV item length')
    if (length < 2) throw reader.fail(`PDV item length ${length} is below the minimum of 2`, start)
    if (length > reader.remaining) {
      throw reader.fail(
        `PDV item length ${length} runs past the PDU (${reader.remaining} byte(s) left)`,
        start,
      )
    }
    const contextId = reader.u8('presentation context id')
    const control = reader.u8('message control header')
    if (contextId % 2 === 0) throw reader.fail(`presentation context id ${contextId} is not odd`, start + 4)
    pdvs.push({
      contextId,
      command: (control & 0x01) !== 0,
      last: (control & 0x02) !== 0,
      data: reader.bytes(length - 2, 'PDV fragment'),
    })
  }
  return { type: 'P-DATA-TF', pdvs }
}

function readUid(reader: Reader, length: number, field: string): string {
  const start = reader.pos
  const value = trimText(reader.bytes(length, field))
  const problem = uidProblem(value)
  if (problem) throw reader.fail(`${field}: ${problem}`, start)
  return value
}

interface ItemHeader {
  type: number
  start: number
  body: Reader
}

/** Reads a 4-byte item header (type, reserved, 16-bit length) and a reader bounded to its body. */
function readItem(reader: Reader, what: string): ItemHeader {
  const start = reader.pos
  const type = reader.u8(`${what} type`)
  reader.skip(1, `${what} reserved byte`)
  const length = reader.u16be(`${what} length`)
  if (length > reader.remaining) {
    throw reader.fail(
      `${what} 0x${hex(type)} length ${length} runs past its container (${reader.remaining} left)`,
      start,
    )
  }
  const body = new Reader(
    reader.buf,
    reader.pos,
    reader.pos + length,
    `item 0x${hex(type)}`,
    DicomErrorCode.MALFORMED_PDU,
  )
  reader.pos += length
  return { type, start, body }
}

function hex(value: number): string {
  return value.toString(16).padStart(2, '0')
}

function decodeAssociate(
  reader: Reader,
  type: 'A-ASSOCIATE-RQ' | 'A-ASSOCIATE-AC',
): AssociateRqPdu | AssociateAcPdu {
  const protocolVersion = reader.u16be('protocol version')
  reader.skip(2, 'reserved')
  const calledAE = trimText(reader.bytes(16, 'called AE title'))
  const callingAE = trimText(reader.bytes(16, 'calling AE title'))
  reader.skip(32, 'reserved')
  let applicationContext: string | undefined
  let userInformation: UserInformation | undefined
  const contexts: (PresentationContextRq | PresentationContextAc)[] = []
  const ids = new Set<number>()
  while (reader.remaining > 0) {
    const { type: itemType, start, body } = readItem(reader, 'item')
    switch (itemType) {
      case 0x10:
        if (applicationContext !== undefined) throw reader.fail('second application context item', start)
        applicationContext = readUid(body, body.remaining, 'application context name')
        break
      case 0x20:
      case 0x21: {
        if ((itemType === 0x20) !== (type === 'A-ASSOCIATE-RQ')) {
          throw reader.fail(`presentation context item 0x${hex(itemType)} does not belong in ${type}`, start)
        }
        const pc = itemType === 0x20 ? decodeContextRq(body) : decodeContextAc(body)
        if (ids.has(pc.id)) throw reader.fail(`presentation context id ${pc.id} appears twice`, start)
        ids.add(pc.id)
        contexts.push(pc)
        break
      }
      case 0x50:
        if (userInformation !== undefined) throw reader.fail('second user information item', start)
        userInformation = decodeUserInformation(body)
        break
      default:
        // PS3.8 9.3.1: items of unknown type are ignored, which keeps newer peers working.
        break
    }
  }
  if (applicationContext === undefined) throw reader.fail('no application context item')
  if (type === 'A-ASSOCIATE-RQ' && contexts.length === 0) throw reader.fail('no presentation context item')
  return {
    type,
    protocolVersion,
    calledAE,
    callingAE,
    applicationContext,
    presentationContexts: contexts,
    userInformation: userInformation ?? {},
  } as AssociateRqPdu | AssociateAcPdu
}

function decodeContextId(body: Reader): number {
  const id = body.u8('presentation context id')
  if (id % 2 === 0) throw body.fail(`presentation context id ${id} is not odd`, body.pos - 1)
  return id
}

function decodeContextRq(body: Reader): PresentationContextRq {
  const id = decodeContextId(body)
  body.skip(3, 'reserved')
  let abstractSyntax: string | undefined
  const transferSyntaxes: string[] = []
  while (body.remaining > 0) {
    const sub = readItem(body, 'sub-item')
    if (sub.type === 0x30) {
      if (abstractSyntax !== undefined) throw body.fail('second abstract syntax sub-item', sub.start)
      abstractSyntax = readUid(sub.body, sub.body.remaining, 'abstract syntax')
    } else if (sub.type === 0x40) {
      transferSyntaxes.push(readUid(sub.body, sub.body.remaining, 'transfer syntax'))
    } else {
      throw body.fail(`unexpected sub-item 0x${hex(sub.type)} in a presentation context`, sub.start)
    }
  }
  if (abstractSyntax === undefined) throw body.fail(`presentation context ${id} has no abstract syntax`)
  if (transferSyntaxes.length === 0) throw body.fail(`presentation context ${id} has no transfer syntax`)
  return { id, abstractSyntax, transferSyntaxes }
}

function decodeContextAc(body: Reader): PresentationContextAc {
  const id = decodeContextId(body)
  body.skip(1, 'reserved')
  const resultCode = body.u8('result/reason')
  body.skip(1, 'reserved')
  const result = PRESENTATION_CONTEXT_RESULTS[resultCode]
  if (result === undefined)
    throw body.fail(`presentation context ${id} result ${resultCode} is not 0-4`, body.pos - 2)
  let transferSyntax: string | undefined
  while (body.remaining > 0) {
    const sub = readItem(body, 'sub-item')
    if (sub.type !== 0x40)
      throw body.fail(`unexpected sub-item 0x${hex(sub.type)} in a presentation context`, sub.start)
    if (transferSyntax !== undefined) throw body.fail('second transfer syntax sub-item', sub.start)
    // The transfer syntax of a rejected context "shall be ignored" (PS3.8 9.3.3.2): some peers send it empty.
    if (result !== 'acceptance' && sub.body.remaining === 0) continue
    transferSyntax = readUid(sub.body, sub.body.remaining, 'transfer syntax')
  }
  if (result === 'acceptance' && transferSyntax === undefined) {
    throw body.fail(`accepted presentation context ${id} has no transfer syntax`)
  }
  return transferSyntax === undefined ? { id, result } : { id, result, transferSyntax }
}

function decodeUserInformation(body: Reader): UserInformation {
  const info: UserInformation = {}
  const other: UserInformationSubItem[] = []
  while (body.remaining > 0) {
    const sub = readItem(body, 'user information sub-item')
    switch (sub.type) {
      case 0x51:
        if (info.maxLength !== undefined) throw body.fail('second maximum length sub-item', sub.start)
        if (sub.body.remaining !== 4)
          throw body.fail(`maximum length sub-item length ${sub.body.remaining}, expected 4`, sub.start)
        info.maxLength = sub.body.u32be('maximum length')
        break
      case 0x52:
        if (info.implementationClassUID !== undefined)
          throw body.fail('second implementation class UID', sub.start)
        info.implementationClassUID = readUid(sub.body, sub.body.remaining, 'implementation class UID')
        break
      case 0x55: {
        if (info.implementationVersionName !== undefined)
          throw body.fail('second implementation version name', sub.start)
        const length = sub.body.remaining
        if (length < 1 || length > 16)
          throw body.fail(`implementation version name length ${length} is not 1-16`, sub.start)
        info.implementationVersionName = trimText(sub.body.bytes(length, 'implementation version name'))
        break
      }
      default:
        other.push({ type: sub.type, data: Uint8Array.from(sub.body.bytes(sub.body.remaining, 'sub-item')) })
    }
  }
  if (other.length > 0) info.other = other
  return info
}
