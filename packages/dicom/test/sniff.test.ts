import {
  encodeAssociateAc,
  encodeAssociateRq,
  IMPLICIT_VR_LITTLE_ENDIAN,
  sniffAssociation,
  VERIFICATION_SOP_CLASS,
} from '../src/index.js'

const CT = '1.2.840.10008.5.1.4.1.1.2'
const rq = encodeAssociateRq({
  calledAE: 'PACS_MAIN',
  callingAE: 'CT_SCANNER_3',
  presentationContexts: [
    { id: 1, abstractSyntax: CT, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
    { id: 3, abstractSyntax: CT, transferSyntaxes: ['1.2.840.10008.1.2.4.70'] },
    { id: 5, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
  ],
  userInformation: {
    maxLength: 32_768,
    implementationClassUID: '1.2.3',
    implementationVersionName: 'MODALITY_1',
  },
})

describe('sniffAssociation', () => {
  it('reads the AE titles and the proposed abstract syntaxes (deduplicated, in order)', () => {
    const result = sniffAssociation(Buffer.concat([rq, Buffer.from([4, 0, 0, 0])]))
    expect(result).toMatchObject({
      status: 'complete',
      callingAE: 'CT_SCANNER_3',
      calledAE: 'PACS_MAIN',
      abstractSyntaxes: [CT, VERIFICATION_SOP_CLASS],
      applicationContext: '1.2.840.10008.3.1.1.1',
      protocolVersion: 1,
      userInformation: {
        maxLength: 32_768,
        implementationClassUID: '1.2.3',
        implementationVersionName: 'MODALITY_1',
      },
      pduLength: rq.length,
      truncated: false,
    })
    if (result.status === 'complete') expect(result.presentationContexts).toHaveLength(3)
  })

  it('asks for exactly the missing bytes at every prefix length', () => {
    for (let length = 0; length < rq.length; length++) {
      const result = sniffAssociation(rq.subarray(0, length))
      const needed = length < 6 ? 6 - length : rq.length - length
      expect(result).toEqual({ status: 'need-more', needed })
    }
  })

  it('does not modify its input', () => {
    const copy = Buffer.from(rq)
    sniffAssociation(copy)
    expect(copy.equals(rq)).toBe(true)
  })

  it('works on a plain Uint8Array at an offset', () => {
    const backing = new Uint8Array(rq.length + 10)
    backing.set(rq, 10)
    expect(sniffAssociation(backing.subarray(10)).status).toBe('complete')
  })

  it.each([
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\n'), 'first byte 0x47 is not an A-ASSOCIATE-RQ (0x01)'],
    ['a TLS ClientHello', Buffer.from([0x16, 3, 1]), 'first byte 0x16 is not an A-ASSOCIATE-RQ (0x01)'],
    [
      'an A-ASSOCIATE-AC',
      encodeAssociateAc({ calledAE: 'A', callingAE: 'B', presentationContexts: [], userInformation: {} }),
      'first byte 0x02 is not an A-ASSOCIATE-RQ (0x01)',
    ],
    [
      'a tiny length',
      Buffer.from([1, 0, 0, 0, 0, 10]),
      'A-ASSOCIATE-RQ length 10 is below the minimum of 68',
    ],
  ])('says not-dicom for %s', (_name, bytes, reason) => {
    expect(sniffAssociation(bytes)).toEqual({ status: 'not-dicom', reason })
  })

  it('says not-dicom with the decoder reason for a corrupt request', () => {
    const copy = Buffer.from(rq)
    copy[74] = 0x99 // the application context item becomes an unknown item: nothing names the context
    const result = sniffAssociation(copy)
    expect(result).toEqual({
      status: 'not-dicom',
      reason: expect.stringContaining('no application context item'),
    })
  })

  it('reads what fits of a request larger than maxBytes, and says it is truncated', () => {
    const contexts = Array.from({ length: 128 }, (_, i) => ({
      id: 2 * i + 1,
      abstractSyntax: `1.2.840.10008.5.1.4.1.1.${i}`,
      transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN],
    }))
    const big = encodeAssociateRq({
      calledAE: 'PACS_MAIN',
      callingAE: 'CT',
      presentationContexts: contexts,
      userInformation: {},
    })
    expect(sniffAssociation(big.subarray(0, 500), { maxBytes: 1_000 })).toEqual({
      status: 'need-more',
      needed: 500,
    })
    const result = sniffAssociation(big.subarray(0, 1_000), { maxBytes: 1_000 })
    if (result.status !== 'complete') throw new Error(JSON.stringify(result))
    expect(result).toMatchObject({
      callingAE: 'CT',
      calledAE: 'PACS_MAIN',
      pduLength: big.length,
      truncated: true,
    })
    expect(result.abstractSyntaxes.length).toBeGreaterThan(5)
    expect(result.abstractSyntaxes).toEqual(
      contexts.slice(0, result.abstractSyntaxes.length).map((c) => c.abstractSyntax),
    )
    expect(sniffAssociation(big)).toMatchObject({ status: 'complete', truncated: false })
    expect(sniffAssociation(rq, { maxBytes: rq.length })).toMatchObject({
      status: 'complete',
      truncated: false,
    })
  })

  it('asks for at most maxBytes for a huge announced length', () => {
    expect(sniffAssociation(Buffer.from([1, 0, 0xff, 0xff, 0xff, 0xff]))).toEqual({
      status: 'need-more',
      needed: 65_530,
    })
  })

  it('refuses invalid options naming them', () => {
    expect(() => sniffAssociation(rq, { maxBytes: 10 })).toThrow(
      expect.objectContaining({ code: 'GSLB_DICOM_OPTIONS_INVALID' }),
    )
    expect(() => sniffAssociation('x' as never)).toThrow(/'firstBytes'/)
  })
})
