import {
  DicomError,
  encodeAbort,
  encodeAssociateRq,
  encodePData,
  encodeReleaseRq,
  IMPLICIT_VR_LITTLE_ENDIAN,
  PduFramer,
  VERIFICATION_SOP_CLASS,
} from '../src/index.js'

const rq = encodeAssociateRq({
  calledAE: 'PACS',
  callingAE: 'CT',
  presentationContexts: [
    { id: 1, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
  ],
  userInformation: { maxLength: 16_384 },
})
const data = encodePData([{ contextId: 1, command: true, last: true, data: Buffer.alloc(300, 7) }])
const release = encodeReleaseRq()
const stream = Buffer.concat([rq, data, release])

function failure(fn: () => unknown): DicomError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(DicomError)
    return error as DicomError
  }
  throw new Error('expected a DicomError')
}

describe('PduFramer', () => {
  it('yields the same PDUs whatever the chunk boundaries (every split point)', () => {
    for (let split = 0; split <= stream.length; split++) {
      const framer = new PduFramer({ maxPduLength: 1_000 })
      const out = [...framer.push(stream.subarray(0, split)), ...framer.push(stream.subarray(split))]
      expect(out.map((b) => b.toString('hex'))).toEqual([rq, data, release].map((b) => b.toString('hex')))
      expect(framer.buffered).toBe(0)
    }
  })

  it('handles one byte at a time and reports progress of a partial PDU', () => {
    const framer = new PduFramer({ maxPduLength: 1_000 })
    const out: Buffer[] = []
    for (let i = 0; i < stream.length; i++) {
      out.push(...framer.push(stream.subarray(i, i + 1)))
      if (i === 2) expect(framer.expected).toBeUndefined()
      if (i === 9)
        expect({ buffered: framer.buffered, expected: framer.expected }).toEqual({
          buffered: 10,
          expected: rq.length,
        })
    }
    expect(out).toHaveLength(3)
  })

  it('returns PDUs that do not share memory with the pushed chunk', () => {
    const framer = new PduFramer()
    const chunk = Buffer.from(release)
    const [pdu] = framer.push(chunk)
    chunk.fill(0xff)
    expect(pdu!.equals(release)).toBe(true)
  })

  it('fails on the first byte when it is no PDU type, and stays failed', () => {
    const framer = new PduFramer()
    const error = failure(() => framer.push(Buffer.from('G')))
    expect(error.code).toBe('GSLB_DICOM_UNRECOGNIZED_PDU')
    expect(failure(() => framer.push(release)).code).toBe('GSLB_DICOM_UNRECOGNIZED_PDU')
    expect(framer.buffered).toBe(0)
  })

  it('fails as soon as a header announces more than the maximum, without waiting for the body', () => {
    const framer = new PduFramer({ maxPduLength: 4_096 })
    const error = failure(() => framer.push(Buffer.from([0x04, 0, 0xff, 0xff, 0xff, 0xff])))
    expect(error.code).toBe('GSLB_DICOM_PDU_TOO_LARGE')
    expect(error.message).toBe('PDU announces 4294967295 bytes, more than the maximum of 4096')
  })

  it('accepts exactly the maximum and refuses one more', () => {
    const exact = encodePData([{ contextId: 1, command: false, last: true, data: Buffer.alloc(94) }])
    expect(new PduFramer({ maxPduLength: 100 }).push(exact)).toHaveLength(1)
    expect(failure(() => new PduFramer({ maxPduLength: 99 }).push(exact)).code).toBe(
      'GSLB_DICOM_PDU_TOO_LARGE',
    )
  })

  it('can raise or lower its limit between PDUs', () => {
    const framer = new PduFramer({ maxPduLength: 1_000 })
    framer.push(rq)
    framer.maxPduLength = 10
    expect(framer.push(encodeAbort({ source: 'service-user', reason: 'not-significant' }))).toHaveLength(1)
    expect(failure(() => framer.push(data)).code).toBe('GSLB_DICOM_PDU_TOO_LARGE')
  })

  it('regression: a limit lowered after the association applies to a PDU that arrived in the same chunk', () => {
    // Bug: push() framed every PDU of a chunk with the limit in force before the caller could lower it.
    const framer = new PduFramer({ maxPduLength: 1_000 })
    framer.append(Buffer.concat([rq, data.subarray(0, 6)]))
    expect(framer.next()?.equals(rq)).toBe(true)
    framer.maxPduLength = 100
    expect(failure(() => framer.next()).code).toBe('GSLB_DICOM_PDU_TOO_LARGE')
  })

  it('stays linear when a peer trickles a large PDU one byte per read', () => {
    // Regression guard: each read used to rescan every chunk held so far while the first was under 6 bytes.
    const big = encodePData([{ contextId: 1, command: false, last: true, data: Buffer.alloc(200_000, 1) }])
    const framer = new PduFramer({ maxPduLength: 262_144 })
    const out: Buffer[] = []
    for (let i = 0; i < big.length; i++) out.push(...framer.push(big.subarray(i, i + 1)))
    expect(out).toHaveLength(1)
    expect(out[0]!.equals(big)).toBe(true)
  })

  it('next() returns undefined until a PDU is complete', () => {
    const framer = new PduFramer()
    expect(framer.next()).toBeUndefined()
    framer.append(release.subarray(0, 7))
    expect(framer.next()).toBeUndefined()
    framer.append(release.subarray(7))
    expect(framer.next()?.equals(release)).toBe(true)
    expect(framer.next()).toBeUndefined()
  })

  it.each([0, 3, 1.5, -1, 2 ** 32, Number.NaN])('refuses maxPduLength %p naming the option', (value) => {
    const error = failure(() => new PduFramer({ maxPduLength: value }))
    expect(error.code).toBe('GSLB_DICOM_OPTIONS_INVALID')
    expect(error.message).toContain("'maxPduLength'")
  })
})
