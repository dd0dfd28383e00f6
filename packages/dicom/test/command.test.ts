import { DicomError, decodeCommand, encodeCEchoRq, encodeCEchoRsp } from '../src/index.js'

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex')
}

/** C-ECHO-RQ, message id 1, Implicit VR Little Endian (PS3.7 Table 9.3-12). */
const ECHO_RQ = hex(`
  0000 0000 04000000 38000000
  0000 0200 12000000 312e322e3834302e31303030382e312e3100
  0000 0001 02000000 3000
  0000 1001 02000000 0100
  0000 0008 02000000 0101`)

/** C-ECHO-RSP to message 1, status 0x0000 (PS3.7 Table 9.3-13). */
const ECHO_RSP = hex(`
  0000 0000 04000000 42000000
  0000 0200 12000000 312e322e3834302e31303030382e312e3100
  0000 0001 02000000 3080
  0000 2001 02000000 0100
  0000 0008 02000000 0101
  0000 0009 02000000 0000`)

function failure(fn: () => unknown): DicomError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(DicomError)
    return error as DicomError
  }
  throw new Error('expected a DicomError')
}

describe('C-ECHO command sets', () => {
  it('encodes the C-ECHO-RQ byte for byte', () => {
    expect(encodeCEchoRq({ messageId: 1 }).toString('hex')).toBe(ECHO_RQ.toString('hex'))
  })

  it('encodes the C-ECHO-RSP byte for byte', () => {
    expect(encodeCEchoRsp({ messageIdBeingRespondedTo: 1 }).toString('hex')).toBe(ECHO_RSP.toString('hex'))
  })

  it('decodes both and round trips the fields', () => {
    expect(decodeCommand(ECHO_RQ)).toMatchObject({
      commandField: 0x0030,
      affectedSOPClassUID: '1.2.840.10008.1.1',
      messageId: 1,
      commandDataSetType: 0x0101,
      hasDataSet: false,
    })
    const rsp = decodeCommand(encodeCEchoRsp({ messageIdBeingRespondedTo: 65_535, status: 0x0122 }))
    expect(rsp).toMatchObject({ commandField: 0x8030, messageIdBeingRespondedTo: 65_535, status: 0x0122 })
    expect(rsp.messageId).toBeUndefined()
    expect(rsp.elements.size).toBe(6)
  })

  it('pads an odd-length UID with one NUL and trims it when decoding', () => {
    const even = encodeCEchoRq({ messageId: 2, affectedSOPClassUID: '1.2.34' })
    expect(even.readUInt32LE(16)).toBe(6)
    const odd = encodeCEchoRq({ messageId: 2, affectedSOPClassUID: '1.2.3' })
    expect(odd.readUInt32LE(16)).toBe(6)
    expect(decodeCommand(odd).affectedSOPClassUID).toBe('1.2.3')
  })

  it('decodes a command set without CommandGroupLength (it is optional on receipt)', () => {
    expect(decodeCommand(ECHO_RQ.subarray(12)).messageId).toBe(1)
  })

  it('refuses values it cannot encode', () => {
    expect(failure(() => encodeCEchoRq({ messageId: 65_536 })).code).toBe('GSLB_DICOM_INVALID_VALUE')
    expect(failure(() => encodeCEchoRsp({ messageIdBeingRespondedTo: 1, status: -1 })).code).toBe(
      'GSLB_DICOM_INVALID_VALUE',
    )
    expect(failure(() => encodeCEchoRq({ messageId: 1, affectedSOPClassUID: 'x' })).code).toBe(
      'GSLB_DICOM_INVALID_VALUE',
    )
  })

  function corrupt(offset: number, bytes: number[]): Buffer {
    const copy = Buffer.from(ECHO_RQ)
    Buffer.from(bytes).copy(copy, offset)
    return copy
  }

  it.each([
    ['a truncated tag', ECHO_RQ.subarray(0, ECHO_RQ.length - 9), /runs past the end|needs/],
    ['a value running past the end', ECHO_RQ.subarray(0, ECHO_RQ.length - 1), /runs past the end/],
    ['an element outside group 0000', corrupt(12, [0x08, 0x00]), /not in group 0000/],
    ['elements out of order', corrupt(38, [0x00, 0x00, 0x00, 0x00]), /out of ascending order/],
    ['a wrong CommandGroupLength', corrupt(8, [0x37]), /CommandGroupLength says/],
    ['a CommandGroupLength of 2 bytes', hex('0000 0000 02000000 0000'), /CommandGroupLength has length 2/],
    ['no CommandField', hex('0000 0008 02000000 0101'), /no CommandField/],
    ['no CommandDataSetType', hex('0000 0001 02000000 3000'), /no CommandDataSetType/],
    [
      'a CommandField of 4 bytes',
      hex('0000 0001 04000000 30000000 0000 0008 02000000 0101'),
      /CommandField has length 4/,
    ],
    [
      'a bad AffectedSOPClassUID',
      hex('0000 0200 02000000 4142 0000 0001 02000000 3000 0000 0008 02000000 0101'),
      /AffectedSOPClassUID/,
    ],
    ['a huge length', hex('0000 0200 ffffffff'), /runs past the end/],
    ['more than 64 KiB', Buffer.alloc(65_537), /exceeds 65536/],
  ])('refuses %s with GSLB_DICOM_MALFORMED_COMMAND', (_name, bytes, message) => {
    const error = failure(() => decodeCommand(bytes))
    expect(error.code).toBe('GSLB_DICOM_MALFORMED_COMMAND')
    expect(error.message).toMatch(message)
  })
})
