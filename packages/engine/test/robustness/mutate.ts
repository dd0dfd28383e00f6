import { buildQuery, ecsOption, header, optRecord, rawQuery } from '../wire/helpers.js'

// Local aliases: under jest every global lookup (Math, ...) crosses a vm-context interceptor and is ~20x slower.
const { floor } = Math

export { prng } from '../../../../test/support/prng.js'

export function seeds(): Buffer[] {
  return [
    buildQuery(),
    buildQuery({ edns: false }),
    buildQuery({ name: 'a.b.c.d.e.f.g.example.org', type: 'AAAA' }),
    buildQuery({ edns: { ecs: { ip: '192.0.2.0', source: 24 } } }),
    buildQuery({ edns: { ecs: { ip: '2001:db8:aa:bb00::', source: 56 }, do: true } }),
    buildQuery({ name: `${'x'.repeat(63)}.${'y'.repeat(63)}.example`, type: 'TXT' }),
    rawQuery('c.example', [
      optRecord([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, ...ecsOption(1, 22, 0, [10, 1, 4])]),
    ]),
    rawQuery(''),
  ]
}

/** A name made of a long chain of backward compression pointers: each points at the one before it. */
export function pointerChainBomb(size = 65535): Buffer {
  const buf = Buffer.alloc(size)
  Buffer.from(header(0x4242, 0x0100, 1, 0, 0, 0)).copy(buf)
  buf[12] = 0
  for (let off = 14; off + 1 < size; off += 2) {
    const target = off - 2
    buf[off] = 0xc0 | (target >> 8)
    buf[off + 1] = target & 0xff
  }
  // The question starts with a pointer to the end of the chain.
  const last = size - 2 - ((size - 14) % 2)
  buf[12] = 0xc0 | ((last >> 8) & 0x3f)
  buf[13] = last & 0xff
  return buf
}

const BOMBS = [
  ...[512, 4096, 16384, 65535].map((size) => pointerChainBomb(size)),
  recordsTimesChainBomb(65535, 2000, false),
  recordsTimesChainBomb(65535, 2000, true),
]
const BOMBS_WITH_ADDITIONAL = BOMBS.map((bomb) => {
  const out = Buffer.from(bomb)
  out.writeUInt16BE(1, 10)
  return out
})
const MANY_OPTIONS = [10, 1000, 16000].map((count) =>
  rawQuery('many.example', [optRecord(Array.from({ length: count }, () => [0, 99, 0, 0]).flat())]),
)

/**
 * The bomb that hurts general decoders: a record whose RDATA hides a chain of `chain` backward pointers, then as many
 * records as fit whose owner name points at its end (work = records x chain). As a query: ANCOUNT > 0, or in
 * additional records when `inAdditional`.
 */
export function recordsTimesChainBomb(size = 65535, chain = 2000, inAdditional = false): Buffer {
  const records = Math.floor((size - 12 - 11 - 1 - chain * 2) / 12)
  const buf = Buffer.alloc(12 + 11 + 1 + chain * 2 + records * 12)
  const count = records + 1
  buf.set(header(0x4343, 0x0100, 1, 0, 0, 0))
  buf.writeUInt16BE(count, inAdditional ? 10 : 6)
  let off = 12
  buf.set([0, 0xff, 0x00, 0, 1, 0, 0, 0, 0, ((1 + chain * 2) >> 8) & 0xff, (1 + chain * 2) & 0xff], off)
  off += 11
  const chainStart = off
  buf[off++] = 0
  for (let i = 0; i < chain; i++) {
    const target = i === 0 ? chainStart : off - 2
    buf[off] = 0xc0 | (target >> 8)
    buf[off + 1] = target & 0xff
    off += 2
  }
  const last = off - 2
  for (let r = 0; r < records; r++) {
    buf.set([0xc0 | (last >> 8), last & 0xff, 0xff, 0x00, 0, 1, 0, 0, 0, 0, 0, 0], off)
    off += 12
  }
  return buf
}

type Mutator = (buf: Buffer, rnd: () => number) => Buffer

const int = (rnd: () => number, n: number) => floor(rnd() * n)

function randomBytes(rnd: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) out[i] = int(rnd, 256)
  return out
}

export const mutators: Mutator[] = [
  // bit flips
  (buf, rnd) => {
    const out = Buffer.from(buf)
    for (let i = 1 + int(rnd, 8); i > 0; i--) {
      const at = int(rnd, out.length)
      out[at] = out[at]! ^ (1 << int(rnd, 8))
    }
    return out
  },
  // random byte overwrites
  (buf, rnd) => {
    const out = Buffer.from(buf)
    for (let i = 1 + int(rnd, 4); i > 0; i--) out[int(rnd, out.length)] = int(rnd, 256)
    return out
  },
  // truncation
  (buf, rnd) => buf.subarray(0, int(rnd, buf.length)),
  // trailing garbage
  (buf, rnd) => Buffer.concat([buf, randomBytes(rnd, 1 + int(rnd, 40))]),
  // count fields
  (buf, rnd) => {
    const out = Buffer.from(buf)
    if (out.length < 12) return out
    out.writeUInt16BE(rnd() < 0.5 ? int(rnd, 6) : int(rnd, 65536), 4 + 2 * int(rnd, 4))
    return out
  },
  // pointer loops and pointers anywhere in the name
  (buf, rnd) => {
    const out = Buffer.from(buf)
    const at = 12 + int(rnd, Math.max(1, out.length - 13))
    const target = rnd() < 0.5 ? at : int(rnd, out.length)
    if (at + 1 < out.length) {
      out[at] = 0xc0 | ((target >> 8) & 0x3f)
      out[at + 1] = target & 0xff
    }
    return out
  },
  // long backward pointer chains in the question and in an additional record (built once per size)
  (_buf, rnd) => {
    const bomb = BOMBS[int(rnd, BOMBS.length)]!
    return rnd() < 0.5 ? bomb : BOMBS_WITH_ADDITIONAL[int(rnd, BOMBS_WITH_ADDITIONAL.length)]!
  },
  // oversized OPT: huge RDLENGTH, thousands of tiny options, or an option longer than its record
  (_buf, rnd) => {
    const choice = int(rnd, 3)
    if (choice === 0) {
      const opt = optRecord([])
      opt[9] = 0xff
      opt[10] = 0xff
      return rawQuery('big.example', [opt])
    }
    if (choice === 1) return MANY_OPTIONS[int(rnd, MANY_OPTIONS.length)]!
    return rawQuery('long.example', [optRecord([0, 8, 0xff, 0xff, 0, 1, 24, 0])])
  },
  // bogus ECS
  (_buf, rnd) => {
    const family = int(rnd, 4)
    const source = int(rnd, 256)
    const scope = rnd() < 0.7 ? 0 : int(rnd, 256)
    const length = rnd() < 0.5 ? Math.ceil(source / 8) : int(rnd, 20)
    const address = rnd() < 0.5 ? new Array<number>(length).fill(0) : [...randomBytes(rnd, length)]
    return rawQuery('ecs.example', [optRecord(ecsOption(family, source, scope, address))])
  },
  // random bytes with a plausible header
  (_buf, rnd) => {
    const out = randomBytes(rnd, int(rnd, 600))
    if (out.length >= 12 && rnd() < 0.7) {
      out[2] = out[2]! & 0x7f
      out.writeUInt16BE(1, 4)
    }
    return out
  },
]

export function mutate(seedPackets: Buffer[], rnd: () => number): Buffer {
  let buf = seedPackets[int(rnd, seedPackets.length)]!
  for (let rounds = 1 + int(rnd, 2); rounds > 0 && buf.length > 0; rounds--) {
    buf = mutators[int(rnd, mutators.length)]!(buf, rnd)
  }
  return buf
}
