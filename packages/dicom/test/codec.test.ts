import {
  type AssociateAcPdu,
  type AssociateRqPdu,
  DicomError,
  decodeCommand,
  decodePdu,
  EXPLICIT_VR_LITTLE_ENDIAN,
  encodeAbort,
  encodeAssociateAc,
  encodeAssociateRj,
  encodeAssociateRq,
  encodeFragments,
  encodePData,
  encodePdu,
  encodeReleaseRp,
  encodeReleaseRq,
  IMPLICIT_VR_LITTLE_ENDIAN,
  type Pdu,
  PduFramer,
  type RejectReason,
  type RejectSource,
  VERIFICATION_SOP_CLASS,
} from '../src/index.js'

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2'
const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.70'

const rq: AssociateRqPdu = {
  type: 'A-ASSOCIATE-RQ',
  protocolVersion: 1,
  calledAE: 'PACS_MAIN',
  callingAE: 'CT_SCANNER_3',
  applicationContext: '1.2.840.10008.3.1.1.1',
  presentationContexts: [
    { id: 1, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
    { id: 3, abstractSyntax: CT_IMAGE_STORAGE, transferSyntaxes: [EXPLICIT_VR_LITTLE_ENDIAN, JPEG_LOSSLESS] },
    { id: 255, abstractSyntax: CT_IMAGE_STORAGE, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
  ],
  userInformation: {
    maxLength: 16_384,
    implementationClassUID: '1.2.276.0.7230010.3.0.3.6.7',
    implementationVersionName: 'OFFIS_DCMTK_367',
    other: [
      { type: 0x54, data: Uint8Array.from([0, 3, 0x31, 0x2e, 0x32, 1, 0]) },
      { type: 0x58, data: Uint8Array.from([1, 0, 0, 0, 4, 0x75, 0x73, 0x65, 0x72, 0, 0]) },
    ],
  },
}

const ac: AssociateAcPdu = {
  type: 'A-ASSOCIATE-AC',
  protocolVersion: 1,
  calledAE: 'PACS_MAIN',
  callingAE: 'CT_SCANNER_3',
  applicationContext: '1.2.840.10008.3.1.1.1',
  presentationContexts: [
    { id: 1, result: 'acceptance', transferSyntax: IMPLICIT_VR_LITTLE_ENDIAN },
    { id: 3, result: 'user-rejection', transferSyntax: EXPLICIT_VR_LITTLE_ENDIAN },
    { id: 5, result: 'no-reason' },
    { id: 7, result: 'abstract-syntax-not-supported', transferSyntax: IMPLICIT_VR_LITTLE_ENDIAN },
    { id: 9, result: 'transfer-syntaxes-not-supported' },
  ],
  userInformation: { maxLength: 0, implementationClassUID: '2.25.1', implementationVersionName: 'X' },
}

/** encode → decode → re-encode: the value survives and the bytes (and their length field) agree. */
function roundTrip(pdu: Pdu): Buffer {
  const bytes = encodePdu(pdu)
  expect(bytes.readUInt32BE(2)).toBe(bytes.length - 6)
  const decoded = decodePdu(bytes)
  expect(decoded).toEqual(pdu)
  const again = encodePdu(decoded)
  expect(again.length).toBe(bytes.length)
  expect(again.equals(bytes)).toBe(true)
  return bytes
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(DicomError)
    return (error as DicomError).code
  }
  throw new Error('expected a DicomError')
}

describe('PDU round trips', () => {
  it('A-ASSOCIATE-RQ with several contexts and raw user information sub-items', () => {
    const bytes = roundTrip(rq)
    expect(bytes[0]).toBe(0x01)
    expect(bytes.toString('latin1', 10, 26)).toBe('PACS_MAIN       ')
    expect(bytes.toString('latin1', 26, 42)).toBe('CT_SCANNER_3    ')
    expect(bytes.subarray(42, 74).equals(Buffer.alloc(32))).toBe(true)
    expect(bytes[74]).toBe(0x10)
  })

  it('A-ASSOCIATE-AC with every presentation context result', () => {
    const bytes = roundTrip(ac)
    expect(bytes[0]).toBe(0x02)
  })

  it('an A-ASSOCIATE-RQ with the minimum (one context, empty user information)', () => {
    roundTrip({
      ...rq,
      presentationContexts: [{ id: 1, abstractSyntax: '1.2', transferSyntaxes: ['1.2'] }],
      userInformation: {},
    })
  })

  it('an A-ASSOCIATE-RQ with 128 contexts (ids 1..255)', () => {
    roundTrip({
      ...rq,
      presentationContexts: Array.from({ length: 128 }, (_, i) => ({
        id: 2 * i + 1,
        abstractSyntax: `1.2.840.10008.5.1.4.1.1.${i}`,
        transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN],
      })),
    })
  })

  const rejectCases: [RejectSource, RejectReason, number, number][] = [
    ['service-user', 'no-reason-given', 1, 1],
    ['service-user', 'application-context-name-not-supported', 1, 2],
    ['service-user', 'calling-AE-title-not-recognized', 1, 3],
    ['service-user', 'called-AE-title-not-recognized', 1, 7],
    ['service-user', 'reserved-5', 1, 5],
    ['service-provider-acse', 'no-reason-given', 2, 1],
    ['service-provider-acse', 'protocol-version-not-supported', 2, 2],
    ['service-provider-presentation', 'temporary-congestion', 3, 1],
    ['service-provider-presentation', 'local-limit-exceeded', 3, 2],
    ['service-provider-presentation', 'reserved-0', 3, 0],
  ]
  it.each(rejectCases)('A-ASSOCIATE-RJ %s / %s', (source, reason, sourceCode, reasonCode) => {
    for (const [result, resultCode] of [
      ['rejected-permanent', 1],
      ['rejected-transient', 2],
    ] as const) {
      const bytes = roundTrip({ type: 'A-ASSOCIATE-RJ', result, source, reason })
      expect([...bytes]).toEqual([0x03, 0, 0, 0, 0, 4, 0, resultCode, sourceCode, reasonCode])
    }
  })

  it.each([
    ['service-user', 'not-significant', 0, 0],
    ['service-provider', 'reason-not-specified', 2, 0],
    ['service-provider', 'unrecognized-PDU', 2, 1],
    ['service-provider', 'unexpected-PDU', 2, 2],
    ['service-provider', 'reserved-3', 2, 3],
    ['service-provider', 'unrecognized-PDU-parameter', 2, 4],
    ['service-provider', 'unexpected-PDU-parameter', 2, 5],
    ['service-provider', 'invalid-PDU-parameter-value', 2, 6],
  ] as const)('A-ABORT %s / %s', (source, reason, sourceCode, reasonCode) => {
    const bytes = roundTrip({ type: 'A-ABORT', source, reason })
    expect([...bytes]).toEqual([0x07, 0, 0, 0, 0, 4, 0, 0, sourceCode, reasonCode])
  })

  it('A-RELEASE-RQ and A-RELEASE-RP', () => {
    expect([...roundTrip({ type: 'A-RELEASE-RQ' })]).toEqual([5, 0, 0, 0, 0, 4, 0, 0, 0, 0])
    expect([...roundTrip({ type: 'A-RELEASE-RP' })]).toEqual([6, 0, 0, 0, 0, 4, 0, 0, 0, 0])
    expect(encodeReleaseRq().equals(encodePdu({ type: 'A-RELEASE-RQ' }))).toBe(true)
    expect(encodeReleaseRp().equals(encodePdu({ type: 'A-RELEASE-RP' }))).toBe(true)
  })

  it('P-DATA-TF with every message control header combination and an empty fragment', () => {
    const bytes = roundTrip({
      type: 'P-DATA-TF',
      pdvs: [
        { contextId: 1, command: true, last: false, data: Uint8Array.from([1, 2, 3]) },
        { contextId: 1, command: true, last: true, data: Uint8Array.from([4]) },
        { contextId: 3, command: false, last: false, data: new Uint8Array(0) },
        { contextId: 255, command: false, last: true, data: Uint8Array.from([9, 9]) },
      ],
    })
    expect([...bytes.subarray(0, 15)]).toEqual([4, 0, 0, 0, 0, 30, 0, 0, 0, 5, 1, 1, 1, 2, 3])
  })

  it('decodes the reserved A-ABORT reason bytes of a service-user abort as not significant', () => {
    expect(decodePdu(Buffer.from([7, 0, 0, 0, 0, 4, 0, 0, 0, 9]))).toEqual({
      type: 'A-ABORT',
      source: 'service-user',
      reason: 'not-significant',
    })
  })

  it('tolerates padded UIDs, an empty transfer syntax in a rejected context and unknown items', () => {
    const bytes = encodeAssociateAc({ ...ac, presentationContexts: [{ id: 5, result: 'no-reason' }] })
    // Splice an unknown item (0x7f) and a rejected context whose transfer syntax sub-item is empty.
    const extra = Buffer.from([0x7f, 0, 0, 2, 0xaa, 0xbb, 0x21, 0, 0, 8, 7, 0, 3, 0, 0x40, 0, 0, 0])
    const body = Buffer.concat([bytes.subarray(6), extra])
    const head = Buffer.from([2, 0, 0, 0, 0, 0])
    head.writeUInt32BE(body.length, 2)
    const decoded = decodePdu(Buffer.concat([head, body])) as AssociateAcPdu
    expect(decoded.presentationContexts).toEqual([
      { id: 5, result: 'no-reason' },
      { id: 7, result: 'abstract-syntax-not-supported' },
    ])
    const padded = encodeAssociateRq({ ...rq, applicationContext: '1.2.840.10008.3.1.1.1' })
    const index = padded.indexOf('1.2.840.10008.3.1.1.1')
    // '1.2.840.10008.3.1.1.1' is 21 characters; rewrite as 20 + NUL padding to check trimming.
    padded.write('1.2.840.10008.3.1.11\0', index, 'latin1')
    expect((decodePdu(padded) as AssociateRqPdu).applicationContext).toBe('1.2.840.10008.3.1.11')
  })
})

describe('P-DATA fragmentation', () => {
  it('splits a message to fit the peer maximum length and marks only the last fragment', () => {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i))
    const pdus = encodeFragments(3, true, data, 16)
    expect(pdus).toHaveLength(10)
    const pdvs = pdus.map((pdu) => {
      expect(pdu.length - 6).toBeLessThanOrEqual(16)
      const decoded = decodePdu(pdu)
      if (decoded.type !== 'P-DATA-TF') throw new Error('not P-DATA')
      return decoded.pdvs[0]!
    })
    expect(pdvs.map((p) => p.last)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ])
    expect(pdvs.every((p) => p.command && p.contextId === 3)).toBe(true)
    expect(Buffer.concat(pdvs.map((p) => p.data)).equals(data)).toBe(true)
  })

  it('sends one fragment when the peer maximum is 0 (unlimited) and one empty fragment for no data', () => {
    expect(encodeFragments(1, false, Buffer.alloc(50_000), 0)).toHaveLength(1)
    expect(encodeFragments(1, false, Buffer.alloc(0), 100)).toHaveLength(1)
  })

  it('refuses a maximum length that leaves no room', () => {
    expect(codeOf(() => encodeFragments(1, true, Buffer.alloc(4), 6))).toBe('GSLB_DICOM_INVALID_VALUE')
  })
})

/** An RQ with one field replaced in its raw bytes; the length header is fixed up. */
function withBody(type: number, body: number[] | Buffer): Buffer {
  const b = Buffer.from(body)
  const head = Buffer.from([type, 0, 0, 0, 0, 0])
  head.writeUInt32BE(b.length, 2)
  return Buffer.concat([head, b])
}

function item(type: number, body: Buffer | number[]): Buffer {
  const b = Buffer.from(body)
  return Buffer.concat([Buffer.from([type, 0, b.length >> 8, b.length & 0xff]), b])
}

const FIXED = Buffer.concat([
  Buffer.from([0, 1, 0, 0]),
  Buffer.from('PACS            CT              '),
  Buffer.alloc(32),
])
const APP = item(0x10, Buffer.from('1.2.840.10008.3.1.1.1'))
const PC = item(
  0x20,
  Buffer.concat([
    Buffer.from([1, 0, 0, 0]),
    item(0x30, Buffer.from('1.2.840.10008.1.1')),
    item(0x40, Buffer.from('1.2.840.10008.1.2')),
  ]),
)
const USER = item(0x50, item(0x51, [0, 0, 0x40, 0]))

describe('malformed PDUs give exact codes', () => {
  it('accepts the hand-built request the cases below corrupt', () => {
    expect(decodePdu(withBody(1, Buffer.concat([FIXED, APP, PC, USER])))).toMatchObject({
      calledAE: 'PACS',
      callingAE: 'CT',
      userInformation: { maxLength: 0x4000 },
    })
  })

  const cases: [string, Buffer, string, RegExp][] = [
    ['empty input', Buffer.alloc(0), 'GSLB_DICOM_MALFORMED_PDU', /6-byte header/],
    ['five bytes', Buffer.from([1, 0, 0, 0, 0]), 'GSLB_DICOM_MALFORMED_PDU', /6-byte header/],
    ['type 0x00', withBody(0, [0, 0, 0, 0]), 'GSLB_DICOM_UNRECOGNIZED_PDU', /unrecognized PDU type 0x00/],
    ['type 0x08', withBody(8, [0, 0, 0, 0]), 'GSLB_DICOM_UNRECOGNIZED_PDU', /0x08/],
    ['TLS', Buffer.from([0x16, 3, 1, 0, 0x10]), 'GSLB_DICOM_UNRECOGNIZED_PDU', /TLS/],
    ['HTTP', Buffer.from('GET / HTTP/1.1\r\n'), 'GSLB_DICOM_UNRECOGNIZED_PDU', /text protocol/],
    [
      'length too short',
      Buffer.from([5, 0, 0, 0, 0, 4, 0, 0, 0]),
      'GSLB_DICOM_MALFORMED_PDU',
      /announces 4 byte\(s\) after the header, got 3/,
    ],
    ['trailing bytes', Buffer.from([5, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0]), 'GSLB_DICOM_MALFORMED_PDU', /got 5/],
    ['release length 0', withBody(5, []), 'GSLB_DICOM_MALFORMED_PDU', /length must be 4, got 0/],
    ['release-rp length 5', withBody(6, [0, 0, 0, 0, 0]), 'GSLB_DICOM_MALFORMED_PDU', /length must be 4/],
    ['reject length 3', withBody(3, [0, 1, 1]), 'GSLB_DICOM_MALFORMED_PDU', /length must be 4/],
    ['reject result 0', withBody(3, [0, 0, 1, 1]), 'GSLB_DICOM_MALFORMED_PDU', /result 0 is not 1/],
    ['reject result 3', withBody(3, [0, 3, 1, 1]), 'GSLB_DICOM_MALFORMED_PDU', /result 3/],
    ['reject source 0', withBody(3, [0, 1, 0, 1]), 'GSLB_DICOM_MALFORMED_PDU', /source 0 is not 1, 2 or 3/],
    ['reject source 4', withBody(3, [0, 1, 4, 1]), 'GSLB_DICOM_MALFORMED_PDU', /source 4/],
    ['abort source 1', withBody(7, [0, 0, 1, 0]), 'GSLB_DICOM_MALFORMED_PDU', /source 1 is not 0/],
    ['abort length 2', withBody(7, [0, 0]), 'GSLB_DICOM_MALFORMED_PDU', /length must be 4/],
    ['P-DATA without PDV', withBody(4, []), 'GSLB_DICOM_MALFORMED_PDU', /carries no PDV/],
    ['PDV length 1', withBody(4, [0, 0, 0, 1, 1]), 'GSLB_DICOM_MALFORMED_PDU', /below the minimum of 2/],
    [
      'PDV length overrun',
      withBody(4, [0, 0, 0, 9, 1, 3, 0]),
      'GSLB_DICOM_MALFORMED_PDU',
      /runs past the PDU/,
    ],
    [
      'PDV huge length',
      withBody(4, [0xff, 0xff, 0xff, 0xff, 1, 3]),
      'GSLB_DICOM_MALFORMED_PDU',
      /runs past the PDU/,
    ],
    ['PDV truncated header', withBody(4, [0, 0]), 'GSLB_DICOM_MALFORMED_PDU', /PDV item length needs 4 byte/],
    [
      'PDV even context',
      withBody(4, [0, 0, 0, 2, 2, 3]),
      'GSLB_DICOM_MALFORMED_PDU',
      /context id 2 is not odd/,
    ],
    [
      'RQ shorter than its fixed part',
      withBody(1, FIXED.subarray(0, 60)),
      'GSLB_DICOM_MALFORMED_PDU',
      /reserved needs 32/,
    ],
    [
      'RQ without application context',
      withBody(1, Buffer.concat([FIXED, PC, USER])),
      'GSLB_DICOM_MALFORMED_PDU',
      /no application context/,
    ],
    [
      'RQ without presentation context',
      withBody(1, Buffer.concat([FIXED, APP, USER])),
      'GSLB_DICOM_MALFORMED_PDU',
      /no presentation context/,
    ],
    [
      'RQ with two application contexts',
      withBody(1, Buffer.concat([FIXED, APP, APP, PC])),
      'GSLB_DICOM_MALFORMED_PDU',
      /second application context/,
    ],
    [
      'RQ with two user information items',
      withBody(1, Buffer.concat([FIXED, APP, PC, USER, USER])),
      'GSLB_DICOM_MALFORMED_PDU',
      /second user information/,
    ],
    [
      'RQ with a duplicate context id',
      withBody(1, Buffer.concat([FIXED, APP, PC, PC])),
      'GSLB_DICOM_MALFORMED_PDU',
      /id 1 appears twice/,
    ],
    [
      'RQ with an AC-form context',
      withBody(1, Buffer.concat([FIXED, APP, item(0x21, [1, 0, 0, 0])])),
      'GSLB_DICOM_MALFORMED_PDU',
      /does not belong in A-ASSOCIATE-RQ/,
    ],
    [
      'AC with an RQ-form context',
      withBody(2, Buffer.concat([FIXED, APP, PC])),
      'GSLB_DICOM_MALFORMED_PDU',
      /does not belong in A-ASSOCIATE-AC/,
    ],
    [
      'item length overrun',
      withBody(1, Buffer.concat([FIXED, Buffer.from([0x10, 0, 0, 50, 0x31])])),
      'GSLB_DICOM_MALFORMED_PDU',
      /length 50 runs past its container/,
    ],
    [
      'truncated item header',
      withBody(1, Buffer.concat([FIXED, APP, Buffer.from([0x20, 0])])),
      'GSLB_DICOM_MALFORMED_PDU',
      /item length needs 2/,
    ],
    [
      'application context not a UID',
      withBody(1, Buffer.concat([FIXED, item(0x10, Buffer.from('dicom')), PC])),
      'GSLB_DICOM_MALFORMED_PDU',
      /'dicom' is not a UID/,
    ],
    [
      'empty application context',
      withBody(1, Buffer.concat([FIXED, item(0x10, []), PC])),
      'GSLB_DICOM_MALFORMED_PDU',
      /is not a UID/,
    ],
    [
      'UID of 65 characters',
      withBody(1, Buffer.concat([FIXED, item(0x10, Buffer.from('1'.repeat(65))), PC])),
      'GSLB_DICOM_MALFORMED_PDU',
      /not a UID/,
    ],
    [
      'context with an even id',
      withBody(1, Buffer.concat([FIXED, APP, item(0x20, [2, 0, 0, 0])])),
      'GSLB_DICOM_MALFORMED_PDU',
      /id 2 is not odd/,
    ],
    [
      'context without abstract syntax',
      withBody(
        1,
        Buffer.concat([
          FIXED,
          APP,
          item(0x20, Buffer.concat([Buffer.from([1, 0, 0, 0]), item(0x40, Buffer.from('1.2'))])),
        ]),
      ),
      'GSLB_DICOM_MALFORMED_PDU',
      /has no abstract syntax/,
    ],
    [
      'context without transfer syntax',
      withBody(
        1,
        Buffer.concat([
          FIXED,
          APP,
          item(0x20, Buffer.concat([Buffer.from([1, 0, 0, 0]), item(0x30, Buffer.from('1.2'))])),
        ]),
      ),
      'GSLB_DICOM_MALFORMED_PDU',
      /has no transfer syntax/,
    ],
    [
      'context with two abstract syntaxes',
      withBody(
        1,
        Buffer.concat([
          FIXED,
          APP,
          item(
            0x20,
            Buffer.concat([
              Buffer.from([1, 0, 0, 0]),
              item(0x30, Buffer.from('1.2')),
              item(0x30, Buffer.from('1.2')),
            ]),
          ),
        ]),
      ),
      'GSLB_DICOM_MALFORMED_PDU',
      /second abstract syntax/,
    ],
    [
      'context with a foreign sub-item',
      withBody(
        1,
        Buffer.concat([
          FIXED,
          APP,
          item(0x20, Buffer.concat([Buffer.from([1, 0, 0, 0]), item(0x51, [0, 0, 0, 0])])),
        ]),
      ),
      'GSLB_DICOM_MALFORMED_PDU',
      /unexpected sub-item 0x51/,
    ],
    [
      'context item cut short',
      withBody(1, Buffer.concat([FIXED, APP, item(0x20, [1, 0])])),
      'GSLB_DICOM_MALFORMED_PDU',
      /reserved needs 3/,
    ],
    [
      'AC result 5',
      withBody(
        2,
        Buffer.concat([
          FIXED,
          APP,
          item(0x21, Buffer.concat([Buffer.from([1, 0, 5, 0]), item(0x40, Buffer.from('1.2'))])),
        ]),
      ),
      'GSLB_DICOM_MALFORMED_PDU',
      /result 5 is not 0-4/,
    ],
    [
      'AC accepted without transfer syntax',
      withBody(2, Buffer.concat([FIXED, APP, item(0x21, [1, 0, 0, 0])])),
      'GSLB_DICOM_MALFORMED_PDU',
      /accepted presentation context 1 has no transfer syntax/,
    ],
    [
      'AC two transfer syntaxes',
      withBody(
        2,
        Buffer.concat([
          FIXED,
          APP,
          item(
            0x21,
            Buffer.concat([
              Buffer.from([1, 0, 0, 0]),
              item(0x40, Buffer.from('1.2')),
              item(0x40, Buffer.from('1.2')),
            ]),
          ),
        ]),
      ),
      'GSLB_DICOM_MALFORMED_PDU',
      /second transfer syntax/,
    ],
    [
      'max length sub-item of 2 bytes',
      withBody(1, Buffer.concat([FIXED, APP, PC, item(0x50, item(0x51, [0, 1]))])),
      'GSLB_DICOM_MALFORMED_PDU',
      /maximum length sub-item length 2, expected 4/,
    ],
    [
      'two max length sub-items',
      withBody(
        1,
        Buffer.concat([
          FIXED,
          APP,
          PC,
          item(0x50, Buffer.concat([item(0x51, [0, 0, 0, 1]), item(0x51, [0, 0, 0, 1])])),
        ]),
      ),
      'GSLB_DICOM_MALFORMED_PDU',
      /second maximum length/,
    ],
    [
      'implementation class UID with letters',
      withBody(1, Buffer.concat([FIXED, APP, PC, item(0x50, item(0x52, Buffer.from('1.2.abc')))])),
      'GSLB_DICOM_MALFORMED_PDU',
      /implementation class UID/,
    ],
    [
      'version name of 17 bytes',
      withBody(1, Buffer.concat([FIXED, APP, PC, item(0x50, item(0x55, Buffer.from('A'.repeat(17))))])),
      'GSLB_DICOM_MALFORMED_PDU',
      /version name length 17 is not 1-16/,
    ],
    [
      'empty version name',
      withBody(1, Buffer.concat([FIXED, APP, PC, item(0x50, item(0x55, []))])),
      'GSLB_DICOM_MALFORMED_PDU',
      /version name length 0/,
    ],
  ]

  it.each(cases)('%s', (_name, bytes, code, message) => {
    let caught: unknown
    try {
      decodePdu(bytes)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DicomError)
    expect(caught).toMatchObject({ code, name: 'DicomError' })
    expect((caught as Error).message).toMatch(message)
  })
})

describe('encoders refuse values that cannot go on the wire', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['AE title of 17 characters', () => encodeAssociateRq({ ...rq, calledAE: 'A'.repeat(17) }), /calledAE/],
    ['empty AE title', () => encodeAssociateRq({ ...rq, callingAE: '' }), /callingAE/],
    ['AE title with a backslash', () => encodeAssociateRq({ ...rq, callingAE: 'A\\B' }), /callingAE/],
    ['AE title with a control character', () => encodeAssociateRq({ ...rq, callingAE: 'A\nB' }), /callingAE/],
    ['AE title outside ASCII', () => encodeAssociateRq({ ...rq, callingAE: 'ÄRZTE' }), /callingAE/],
    [
      'even context id',
      () => encodeAssociateRq({ ...rq, presentationContexts: [{ ...rq.presentationContexts[0]!, id: 2 }] }),
      /odd integer/,
    ],
    [
      'context id 257',
      () => encodePData([{ contextId: 257, command: true, last: true, data: Buffer.alloc(1) }]),
      /odd integer/,
    ],
    [
      'duplicate context id',
      () =>
        encodeAssociateRq({
          ...rq,
          presentationContexts: [rq.presentationContexts[0]!, rq.presentationContexts[0]!],
        }),
      /used twice/,
    ],
    ['no context', () => encodeAssociateRq({ ...rq, presentationContexts: [] }), /at least one/],
    [
      'no transfer syntax',
      () =>
        encodeAssociateRq({
          ...rq,
          presentationContexts: [{ id: 1, abstractSyntax: '1.2', transferSyntaxes: [] }],
        }),
      /at least one/,
    ],
    [
      'abstract syntax not a UID',
      () =>
        encodeAssociateRq({
          ...rq,
          presentationContexts: [{ id: 1, abstractSyntax: 'CT', transferSyntaxes: ['1.2'] }],
        }),
      /abstractSyntax/,
    ],
    [
      'accepted without transfer syntax',
      () => encodeAssociateAc({ ...ac, presentationContexts: [{ id: 1, result: 'acceptance' }] }),
      /needs a transfer syntax/,
    ],
    [
      'unknown result',
      () => encodeAssociateAc({ ...ac, presentationContexts: [{ id: 1, result: 'maybe' as never }] }),
      /unknown result/,
    ],
    [
      'max length too large',
      () => encodeAssociateRq({ ...rq, userInformation: { maxLength: 2 ** 32 } }),
      /maxLength/,
    ],
    [
      'version name of 17',
      () => encodeAssociateRq({ ...rq, userInformation: { implementationVersionName: 'V'.repeat(17) } }),
      /implementationVersionName/,
    ],
    [
      'raw sub-item duplicating a field',
      () => encodeAssociateRq({ ...rq, userInformation: { other: [{ type: 0x51, data: Buffer.alloc(4) }] } }),
      /own field/,
    ],
    [
      'oversized item',
      () =>
        encodeAssociateRq({
          ...rq,
          userInformation: { other: [{ type: 0x58, data: Buffer.alloc(70_000) }] },
        }),
      /exceeds 65535/,
    ],
    [
      'reason of another source',
      () =>
        encodeAssociateRj({
          result: 'rejected-permanent',
          source: 'service-provider-acse',
          reason: 'called-AE-title-not-recognized',
        }),
      /not a reason of source/,
    ],
    [
      'unknown reject result',
      () => encodeAssociateRj({ result: 'nope' as never, source: 'service-user', reason: 'no-reason-given' }),
      /unknown reject result/,
    ],
    [
      'reserved reason that is defined',
      () => encodeAssociateRj({ result: 'rejected-permanent', source: 'service-user', reason: 'reserved-7' }),
      /not a reason/,
    ],
    [
      'abort reason of a user abort',
      () => encodeAbort({ source: 'service-user', reason: 'unexpected-PDU' }),
      /not a reason of source/,
    ],
    ['P-DATA without PDV', () => encodePData([]), /at least one PDV/],
    ['unknown PDU type', () => encodePdu({ type: 'A-NOTHING' } as never), /unknown PDU type/],
  ]
  it.each(cases)('%s', (_name, fn, message) => {
    let caught: unknown
    try {
      fn()
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'GSLB_DICOM_INVALID_VALUE' })
    expect((caught as Error).message).toMatch(message)
  })
})

describe('decoders given something that is not bytes', () => {
  const decoders: [string, (value: never) => unknown][] = [
    ['decodePdu', decodePdu],
    ['decodeCommand', decodeCommand],
    ['PduFramer.push', (value) => new PduFramer().push(value)],
  ]
  const values: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['a string', '\x01\x00'],
    ['a number array', [1, 0, 0, 0, 0, 4]],
    ['an ArrayBuffer', new ArrayBuffer(10)],
  ]
  it.each(decoders)('%s throws a DicomError naming the argument, never a TypeError', (_name, decode) => {
    for (const [, value] of values) {
      let caught: unknown
      try {
        decode(value as never)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(DicomError)
      expect(caught).toMatchObject({
        code: 'GSLB_DICOM_OPTIONS_INVALID',
        message: expect.stringContaining("'bytes'"),
      })
    }
  })
})
