import * as packet from 'dns-packet'
import { prng } from '../../../../test/support/prng.js'
import { checkReply, interpret } from '../../src/client.js'
import { ResolverError } from '../../src/errors.js'
import { parseNameserver } from '../../src/nameserver.js'

// Mutation fuzzing of the reply path (the bytes a hostile network controls): whatever arrives, checkReply either
// accepts or names why it ignores it, and interpret either returns a well-formed result or throws a ResolverError.
// Deterministic (seeded) so a failure reproduces.

const ID = 0x1234
const NAME = 'dicom.mysite.example'
const ns = parseNameserver('127.0.0.1:53', 'ns')

function seedReply(type: 'A' | 'AAAA'): Buffer {
  return packet.encode({
    type: 'response',
    id: ID,
    flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
    questions: [{ type, name: NAME, class: 'IN' }],
    answers: [
      { type: 'CNAME', name: NAME, ttl: 30, class: 'IN', data: `site-a.${NAME}` },
      { type: 'A', name: `site-a.${NAME}`, ttl: 20, class: 'IN', data: '10.1.0.50' },
      { type: 'A', name: `site-a.${NAME}`, ttl: 20, class: 'IN', data: '10.2.0.50' },
      { type: 'AAAA', name: `site-a.${NAME}`, ttl: 20, class: 'IN', data: '2001:db8::50' },
    ],
  })
}

function mutate(seed: Buffer, random: () => number): Buffer {
  const buf = Buffer.from(seed)
  const kind = Math.floor(random() * 4)
  if (kind === 0) return buf.subarray(0, Math.floor(random() * buf.length))
  const flips = 1 + Math.floor(random() * 4)
  // keep the ID intact half the time, so mutations reach the decoder instead of stopping at the ID check
  const from = random() < 0.5 ? 2 : 0
  for (let i = 0; i < flips; i++) {
    const at = from + Math.floor(random() * (buf.length - from))
    buf[at] = kind === 1 ? buf[at]! ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256)
  }
  return kind === 3
    ? Buffer.concat([buf, Buffer.from(Array.from({ length: 40 }, () => Math.floor(random() * 256)))])
    : buf
}

describe('reply fuzzing', () => {
  it.each(['A', 'AAAA'] as const)(
    '10 000 mutated %s replies: ignored, accepted or a ResolverError — nothing else',
    (type) => {
      const random = prng(type === 'A' ? 1 : 2)
      const seed = seedReply(type)
      const tally = { ignored: 0, answer: 0, negative: 0, error: 0 }
      const started = Date.now()
      for (let i = 0; i < 10_000; i++) {
        const buf = mutate(seed, random)
        const reply = checkReply(buf, ID, NAME, type)
        if (typeof reply === 'string') {
          tally.ignored++
          continue
        }
        try {
          const result = interpret(ns, NAME, type, reply, 64)
          if (result.kind === 'answer') {
            tally.answer++
            expect(result.addresses.length).toBeGreaterThan(0)
            expect(result.addresses.length).toBeLessThanOrEqual(64)
            for (const address of result.addresses)
              expect(address).toMatch(type === 'A' ? /^\d+\.\d+\.\d+\.\d+$/ : /:/)
            expect(result.ttl).toBeGreaterThanOrEqual(0)
          } else {
            tally.negative++
          }
        } catch (error) {
          if (!(error instanceof ResolverError)) throw error
          tally.error++
        }
      }
      // every path was exercised, and quickly (no pathological input)
      expect(tally.ignored).toBeGreaterThan(500)
      expect(tally.answer).toBeGreaterThan(50)
      expect(tally.negative + tally.error).toBeGreaterThan(10)
      expect(Date.now() - started).toBeLessThan(15_000)
    },
  )
})
