import { isDeepStrictEqual } from 'node:util'
import {
  DicomError,
  decodeCommand,
  decodePdu,
  encodePdu,
  type Pdu,
  PduFramer,
  sniffAssociation,
} from '../../src/index.js'
import { prng } from '../helpers.js'
import { COMMAND_CORPUS, mutate, PDU_CORPUS } from './corpus.js'

const ITERATIONS = 100_000

/** Runs `fn`; returns undefined, or a description when it threw something other than a DicomError with an allowed code. */
function onlyDicomErrors(fn: () => void, codes: readonly string[]): string | undefined {
  try {
    fn()
    return undefined
  } catch (error) {
    if (error instanceof DicomError && codes.includes(error.code)) return undefined
    return String((error as Error)?.stack ?? error)
  }
}

describe('fuzzing (seeded, reproducible)', () => {
  it(`decodePdu: ${ITERATIONS} mutated PDUs throw only DicomError; what decodes re-encodes to the same value`, () => {
    const random = prng(0x5eed_0001)
    const problems: string[] = []
    let decoded = 0
    for (let i = 0; i < ITERATIONS && problems.length < 5; i++) {
      const input = mutate(random, PDU_CORPUS[i % PDU_CORPUS.length]!, true)
      let pdu: Pdu | undefined
      const problem = onlyDicomErrors(() => {
        pdu = decodePdu(input)
      }, ['GSLB_DICOM_MALFORMED_PDU', 'GSLB_DICOM_UNRECOGNIZED_PDU'])
      if (problem) problems.push(`#${i} ${input.toString('hex')}: ${problem}`)
      if (pdu === undefined) continue
      decoded++
      let again: Buffer | undefined
      const encodeProblem = onlyDicomErrors(() => {
        again = encodePdu(pdu!)
      }, ['GSLB_DICOM_INVALID_VALUE'])
      if (encodeProblem) problems.push(`#${i} re-encode ${input.toString('hex')}: ${encodeProblem}`)
      if (again !== undefined && !isDeepStrictEqual(decodePdu(again), pdu)) {
        problems.push(`#${i} ${input.toString('hex')}: re-encoded value differs`)
      }
    }
    expect(problems).toEqual([])
    // The mutators must reach deep into the decoder, not only bounce off the header.
    expect(decoded).toBeGreaterThan(ITERATIONS / 20)
  })

  it(`sniffAssociation: ${ITERATIONS} mutated and random inputs never throw and always answer`, () => {
    const random = prng(0x5eed_0002)
    const problems: string[] = []
    const statuses = { complete: 0, 'need-more': 0, 'not-dicom': 0 }
    for (let i = 0; i < ITERATIONS && problems.length < 5; i++) {
      const base = i % 2 === 0 ? PDU_CORPUS[0]! : PDU_CORPUS[i % PDU_CORPUS.length]!
      const input = mutate(random, base, random() < 0.8)
      try {
        // A third of the inputs also exercise the truncated path (requests larger than maxBytes).
        const maxBytes = i % 3 === 0 ? 74 + Math.floor(random() * 300) : 65_536
        const result = sniffAssociation(input, { maxBytes })
        statuses[result.status]++
        if (
          result.status === 'need-more' &&
          !(result.needed > 0 && input.length + result.needed <= maxBytes)
        ) {
          problems.push(`#${i} ${input.toString('hex')}: need-more asks for ${result.needed}`)
        }
        if (result.status === 'not-dicom' && result.reason.length === 0) problems.push(`#${i}: empty reason`)
      } catch (error) {
        problems.push(`#${i} ${input.toString('hex')}: ${String(error)}`)
      }
    }
    expect(problems).toEqual([])
    expect(statuses.complete).toBeGreaterThan(ITERATIONS / 50)
    expect(statuses['need-more']).toBeGreaterThan(ITERATIONS / 50)
    expect(statuses['not-dicom']).toBeGreaterThan(ITERATIONS / 50)
  })

  it('PduFramer: 20000 mutated streams in random chunks give only DicomError and whole PDUs of the input', () => {
    const random = prng(0x5eed_0003)
    const problems: string[] = []
    for (let i = 0; i < 20_000 && problems.length < 5; i++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        random() < 0.7
          ? PDU_CORPUS[Math.floor(random() * PDU_CORPUS.length)]!
          : mutate(random, PDU_CORPUS[0]!, true),
      )
      const stream = Buffer.concat(parts)
      const framer = new PduFramer({ maxPduLength: 1_024 })
      const out: Buffer[] = []
      let offset = 0
      const problem = onlyDicomErrors(() => {
        while (offset < stream.length) {
          const size = 1 + Math.floor(random() * 64)
          out.push(...framer.push(stream.subarray(offset, offset + size)))
          offset += size
        }
      }, ['GSLB_DICOM_UNRECOGNIZED_PDU', 'GSLB_DICOM_PDU_TOO_LARGE'])
      if (problem) problems.push(`#${i}: ${problem}`)
      const joined = Buffer.concat(out)
      if (!stream.subarray(0, joined.length).equals(joined))
        problems.push(`#${i}: framed bytes differ from the stream`)
    }
    expect(problems).toEqual([])
  })

  it(`decodeCommand: ${ITERATIONS} mutated command sets throw only GSLB_DICOM_MALFORMED_COMMAND`, () => {
    const random = prng(0x5eed_0004)
    const problems: string[] = []
    let decoded = 0
    for (let i = 0; i < ITERATIONS && problems.length < 5; i++) {
      const input = mutate(random, COMMAND_CORPUS[i % COMMAND_CORPUS.length]!, false)
      const problem = onlyDicomErrors(() => {
        decodeCommand(input)
        decoded++
      }, ['GSLB_DICOM_MALFORMED_COMMAND'])
      if (problem) problems.push(`#${i} ${input.toString('hex')}: ${problem}`)
    }
    expect(problems).toEqual([])
    expect(decoded).toBeGreaterThan(ITERATIONS / 50)
  })
})
