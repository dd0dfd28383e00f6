import {
  EXPLICIT_VR_LITTLE_ENDIAN,
  encodeAbort,
  encodeAssociateAc,
  encodeAssociateRj,
  encodeAssociateRq,
  encodeCEchoRq,
  encodeCEchoRsp,
  encodePData,
  encodeReleaseRp,
  encodeReleaseRq,
  IMPLICIT_VR_LITTLE_ENDIAN,
  VERIFICATION_SOP_CLASS,
} from '../../src/index.js'

/** Valid PDUs the mutators start from: every PDU type, every item kind. */
export const PDU_CORPUS: Buffer[] = [
  encodeAssociateRq({
    calledAE: 'PACS_MAIN',
    callingAE: 'CT_SCANNER_3',
    presentationContexts: [
      { id: 1, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
      {
        id: 3,
        abstractSyntax: '1.2.840.10008.5.1.4.1.1.2',
        transferSyntaxes: [EXPLICIT_VR_LITTLE_ENDIAN, '1.2.840.10008.1.2.4.70'],
      },
    ],
    userInformation: {
      maxLength: 16_384,
      implementationClassUID: '1.2.276.0.7230010.3.0.3.6.7',
      implementationVersionName: 'OFFIS_DCMTK_367',
      other: [{ type: 0x54, data: Uint8Array.from([0, 3, 0x31, 0x2e, 0x32, 1, 0]) }],
    },
  }),
  encodeAssociateAc({
    calledAE: 'PACS_MAIN',
    callingAE: 'CT_SCANNER_3',
    presentationContexts: [
      { id: 1, result: 'acceptance', transferSyntax: IMPLICIT_VR_LITTLE_ENDIAN },
      { id: 3, result: 'abstract-syntax-not-supported', transferSyntax: EXPLICIT_VR_LITTLE_ENDIAN },
      { id: 5, result: 'no-reason' },
    ],
    userInformation: { maxLength: 0, implementationClassUID: '2.25.1', implementationVersionName: 'GSLB' },
  }),
  encodeAssociateRj({
    result: 'rejected-permanent',
    source: 'service-user',
    reason: 'called-AE-title-not-recognized',
  }),
  encodeAbort({ source: 'service-provider', reason: 'unexpected-PDU' }),
  encodeReleaseRq(),
  encodeReleaseRp(),
  encodePData([
    { contextId: 1, command: true, last: true, data: encodeCEchoRq({ messageId: 7 }) },
    { contextId: 3, command: false, last: false, data: Buffer.from([1, 2, 3, 4]) },
  ]),
]

export const COMMAND_CORPUS: Buffer[] = [
  encodeCEchoRq({ messageId: 1 }),
  encodeCEchoRsp({ messageIdBeingRespondedTo: 1, status: 0 }),
  encodeCEchoRsp({ messageIdBeingRespondedTo: 9, status: 0x0122, affectedSOPClassUID: '1.2.3' }),
]

const BOUNDARY = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff]

function fixLength(bytes: Buffer): void {
  if (bytes.length >= 6) bytes.writeUInt32BE(bytes.length - 6, 2)
}

/** One seeded mutation of `base`: bit flips, byte stomps, truncation, insertion, field rewrites, noise. */
export function mutate(random: () => number, base: Buffer, pduHeader: boolean): Buffer {
  const pick = (n: number) => Math.floor(random() * n)
  let out = Buffer.from(base)
  const rounds = 1 + pick(3)
  for (let round = 0; round < rounds; round++) {
    switch (pick(8)) {
      case 0:
        for (let i = 0, n = 1 + pick(4); i < n && out.length > 0; i++) out[pick(out.length)]! ^= 1 << pick(8)
        break
      case 1:
        for (let i = 0, n = 1 + pick(3); i < n && out.length > 0; i++)
          out[pick(out.length)] = BOUNDARY[pick(BOUNDARY.length)]!
        break
      case 2:
        out = out.subarray(0, pick(out.length + 1))
        break
      case 3: {
        const at = pick(out.length + 1)
        const noise = Buffer.from(Array.from({ length: 1 + pick(16) }, () => pick(256)))
        out = Buffer.concat([out.subarray(0, at), noise, out.subarray(at)])
        break
      }
      case 4:
        if (out.length >= 2)
          out.writeUInt16BE([0, 1, 2, 4, 0x7fff, 0xffff, pick(0x10000)][pick(7)]!, pick(out.length - 1))
        break
      case 5:
        if (out.length >= 4)
          out.writeUInt32BE([0, 1, 6, 0xffffffff, pick(2 ** 32)][pick(5)]!, pick(out.length - 3))
        break
      case 6: {
        const from = pick(out.length + 1)
        const to = from + pick(out.length - from + 1)
        out = Buffer.concat([out.subarray(0, to), out.subarray(from, to), out.subarray(to)])
        break
      }
      default: {
        out = Buffer.from(Array.from({ length: pick(120) }, () => pick(256)))
        if (pduHeader && out.length > 0) out[0] = 1 + pick(7)
      }
    }
  }
  if (pduHeader && random() < 0.7) fixLength(out)
  return out
}
