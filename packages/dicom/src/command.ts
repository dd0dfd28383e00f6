import { asBuffer, Reader, trimText, uidProblem } from './bytes.js'
import {
  COMMAND_C_ECHO_RQ,
  COMMAND_C_ECHO_RSP,
  COMMAND_TAG,
  DATA_SET_TYPE_NONE,
  MAX_COMMAND_LENGTH,
  STATUS_SUCCESS,
  VERIFICATION_SOP_CLASS,
} from './constants.js'
import { DicomError, DicomErrorCode } from './errors.js'

/** A decoded command set; unknown group 0000 elements are kept raw in `elements` by element number. */
export interface DicomCommand {
  commandField: number
  affectedSOPClassUID?: string
  messageId?: number
  messageIdBeingRespondedTo?: number
  commandDataSetType: number
  status?: number
  /** True when a data set follows the command (CommandDataSetType is not 0x0101). */
  hasDataSet: boolean
  elements: Map<number, Uint8Array>
}

export interface CEchoRqInit {
  messageId: number
  affectedSOPClassUID?: string
}

export interface CEchoRspInit {
  messageIdBeingRespondedTo: number
  status?: number
  affectedSOPClassUID?: string
}

type Element = [element: number, value: Buffer]

function us(value: number, field: string): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new DicomError(
      DicomErrorCode.INVALID_VALUE,
      `cannot encode ${field}: must be an integer 0-65535, got ${value}`,
    )
  }
  const out = Buffer.alloc(2)
  out.writeUInt16LE(value)
  return out
}

function ui(value: string, field: string): Buffer {
  const problem = uidProblem(value)
  if (problem) throw new DicomError(DicomErrorCode.INVALID_VALUE, `cannot encode ${field}: ${problem}`)
  // UI values are padded to even length with a NUL (PS3.5 section 6.2).
  return Buffer.from(value.length % 2 === 0 ? value : `${value}\0`, 'latin1')
}

/** Implicit VR Little Endian: tag (group, element), 32-bit length, value; group length first. */
function encodeCommand(elements: Element[]): Buffer {
  const parts: Buffer[] = []
  for (const [element, value] of elements) {
    const head = Buffer.alloc(8)
    head.writeUInt16LE(0x0000, 0)
    head.writeUInt16LE(element, 2)
    head.writeUInt32LE(value.length, 4)
    parts.push(head, value)
  }
  const body = Buffer.concat(parts)
  const groupLength = Buffer.alloc(12)
  groupLength.writeUInt32LE(4, 4)
  groupLength.writeUInt32LE(body.length, 8)
  return Buffer.concat([groupLength, body])
}

export function encodeCEchoRq(init: CEchoRqInit): Buffer {
  return encodeCommand([
    [
      COMMAND_TAG.AffectedSOPClassUID,
      ui(init.affectedSOPClassUID ?? VERIFICATION_SOP_CLASS, 'affectedSOPClassUID'),
    ],
    [COMMAND_TAG.CommandField, us(COMMAND_C_ECHO_RQ, 'commandField')],
    [COMMAND_TAG.MessageID, us(init.messageId, 'messageId')],
    [COMMAND_TAG.CommandDataSetType, us(DATA_SET_TYPE_NONE, 'commandDataSetType')],
  ])
}

export function encodeCEchoRsp(init: CEchoRspInit): Buffer {
  return encodeCommand([
    [
      COMMAND_TAG.AffectedSOPClassUID,
      ui(init.affectedSOPClassUID ?? VERIFICATION_SOP_CLASS, 'affectedSOPClassUID'),
    ],
    [COMMAND_TAG.CommandField, us(COMMAND_C_ECHO_RSP, 'commandField')],
    [COMMAND_TAG.MessageIDBeingRespondedTo, us(init.messageIdBeingRespondedTo, 'messageIdBeingRespondedTo')],
    [COMMAND_TAG.CommandDataSetType, us(DATA_SET_TYPE_NONE, 'commandDataSetType')],
    [COMMAND_TAG.Status, us(init.status ?? STATUS_SUCCESS, 'status')],
  ])
}

/**
 * Decodes an Implicit VR Little Endian command set. Strict: every element is in group 0000, in
 * ascending order, inside the buffer; CommandGroupLength (when present) matches; CommandField and
 * CommandDataSetType are present. Throws DicomError `GSLB_DICOM_MALFORMED_COMMAND` and nothing else.
 */
export function decodeCommand(bytes: Uint8Array): DicomCommand {
  const buf = asBuffer(bytes)
  if (buf.length > MAX_COMMAND_LENGTH) {
    throw new DicomError(
      DicomErrorCode.MALFORMED_COMMAND,
      `command set of ${buf.length} bytes exceeds ${MAX_COMMAND_LENGTH}`,
    )
  }
  const reader = new Reader(buf, 0, buf.length, 'command set', DicomErrorCode.MALFORMED_COMMAND)
  const elements = new Map<number, Uint8Array>()
  let previous = -1
  let groupLengthEnd: number | undefined
  while (reader.remaining > 0) {
    const start = reader.pos
    const group = reader.u16le('tag group')
    const element = reader.u16le('tag element')
    const length = reader.u32le('value length')
    if (group !== 0x0000)
      throw reader.fail(`element (${hex4(group)},${hex4(element)}) is not in group 0000`, start)
    if (element <= previous)
      throw reader.fail(`element (0000,${hex4(element)}) is out of ascending order`, start)
    if (length > reader.remaining)
      throw reader.fail(`element (0000,${hex4(element)}) length ${length} runs past the end`, start)
    previous = element
    const value = reader.bytes(length, 'value')
    if (element === COMMAND_TAG.CommandGroupLength) {
      if (length !== 4) throw reader.fail(`CommandGroupLength has length ${length}, expected 4`, start)
      groupLengthEnd = reader.pos + value.readUInt32LE(0)
    }
    elements.set(element, value)
  }
  if (groupLengthEnd !== undefined && groupLengthEnd !== buf.length) {
    throw reader.fail(
      `CommandGroupLength says the group ends at byte ${groupLengthEnd}, it ends at ${buf.length}`,
      8,
    )
  }
  const commandField = readUs(reader, elements, COMMAND_TAG.CommandField, 'CommandField')
  const commandDataSetType = readUs(reader, elements, COMMAND_TAG.CommandDataSetType, 'CommandDataSetType')
  if (commandField === undefined) throw reader.fail('no CommandField (0000,0100)', 0)
  if (commandDataSetType === undefined) throw reader.fail('no CommandDataSetType (0000,0800)', 0)
  const command: DicomCommand = {
    commandField,
    commandDataSetType,
    hasDataSet: commandDataSetType !== DATA_SET_TYPE_NONE,
    elements,
  }
  const sopClass = elements.get(COMMAND_TAG.AffectedSOPClassUID)
  if (sopClass !== undefined) {
    const uid = trimText(asBuffer(sopClass))
    const problem = uidProblem(uid)
    if (problem) throw reader.fail(`AffectedSOPClassUID: ${problem}`, 0)
    command.affectedSOPClassUID = uid
  }
  const messageId = readUs(reader, elements, COMMAND_TAG.MessageID, 'MessageID')
  if (messageId !== undefined) command.messageId = messageId
  const respondedTo = readUs(
    reader,
    elements,
    COMMAND_TAG.MessageIDBeingRespondedTo,
    'MessageIDBeingRespondedTo',
  )
  if (respondedTo !== undefined) command.messageIdBeingRespondedTo = respondedTo
  const status = readUs(reader, elements, COMMAND_TAG.Status, 'Status')
  if (status !== undefined) command.status = status
  return command
}

function readUs(
  reader: Reader,
  elements: Map<number, Uint8Array>,
  element: number,
  name: string,
): number | undefined {
  const value = elements.get(element)
  if (value === undefined) return undefined
  if (value.length !== 2) throw reader.fail(`${name} has length ${value.length}, expected 2`, 0)
  return value[0]! | (value[1]! << 8)
}

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0')
}
