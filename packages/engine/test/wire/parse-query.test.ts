import { parseQuery, Rcode, RRType } from '../../src/wire/index.js'
import { buildQuery, ecsOption, header, optRecord, rawQuery, wireName } from './helpers.js'

function expectError(buf: Uint8Array, rcode: number): string {
  const result = parseQuery(buf)
  if (result.kind !== 'error') throw new Error(`expected error, got ${JSON.stringify(result)}`)
  expect(result.rcode).toBe(rcode)
  return result.reason
}

describe('parseQuery: valid queries', () => {
  it('decodes id, flags, question with original case, and EDNS', () => {
    const result = parseQuery(
      buildQuery({ id: 4242, name: 'WwW.Example.COM', type: 'AAAA', edns: { do: true } }),
    )
    expect(result).toEqual({
      kind: 'query',
      query: {
        id: 4242,
        opcode: 0,
        rd: true,
        cd: false,
        question: { name: 'WwW.Example.COM', type: RRType.AAAA, class: 1 },
        edns: { udpPayloadSize: 1232, version: 0, dnssecOk: true },
      },
    })
  })

  it('has no edns without OPT and reads the CD bit', () => {
    const result = parseQuery(buildQuery({ edns: false, flags: 0x0010 }))
    expect(result.kind).toBe('query')
    if (result.kind !== 'query') return
    expect(result.query.edns).toBeUndefined()
    expect(result.query.rd).toBe(false)
    expect(result.query.cd).toBe(true)
  })

  it('reports a UDP payload size below 512 as 512', () => {
    const result = parseQuery(buildQuery({ edns: { udpPayloadSize: 100 } }))
    expect(result.kind === 'query' && result.query.edns?.udpPayloadSize).toBe(512)
  })

  it('decodes the root name as the empty string', () => {
    const result = parseQuery(rawQuery(''))
    expect(result.kind === 'query' && result.query.question.name).toBe('')
  })

  it('escapes dots, backslashes and unprintable bytes inside labels', () => {
    const buf = Buffer.from([
      ...header(1, 0, 1, 0, 0, 0),
      4,
      0x61,
      0x2e,
      0x5c,
      0x07,
      3,
      0x63,
      0x6f,
      0x6d,
      0,
      0,
      1,
      0,
      1,
    ])
    const result = parseQuery(buf)
    expect(result.kind === 'query' && result.query.question.name).toBe('a\\.\\\\\\007.com')
  })

  it.each([
    ['IPv4 /24', '192.0.2.0', 24, 1, [192, 0, 2, 0]],
    ['IPv4 /0', '0.0.0.0', 0, 1, [0, 0, 0, 0]],
    ['IPv4 /32', '198.51.100.7', 32, 1, [198, 51, 100, 7]],
    ['IPv6 /56 (7 address bytes)', '2001:db8:aa:bb00::', 56, 2, [0x20, 0x01, 0x0d, 0xb8, 0, 0xaa, 0xbb]],
    ['IPv6 /48', '2001:db8:1::', 48, 2, [0x20, 0x01, 0x0d, 0xb8, 0, 1]],
    ['IPv4 /22 odd bits', '10.1.4.0', 22, 1, [10, 1, 4, 0]],
  ])('decodes ECS %s', (_label, ip, source, family, prefix) => {
    const result = parseQuery(buildQuery({ edns: { ecs: { ip, source } } }))
    if (result.kind !== 'query') throw new Error(JSON.stringify(result))
    const ecs = result.query.edns?.ecs
    expect(ecs?.family).toBe(family)
    expect(ecs?.sourcePrefixLength).toBe(source)
    expect(ecs?.scopePrefixLength).toBe(0)
    const expected = new Uint8Array(family === 1 ? 4 : 16)
    expected.set(prefix.slice(0, Math.ceil(source / 8)))
    expect(ecs?.address).toEqual(expected)
  })

  it('ignores unknown EDNS options (cookie, padding)', () => {
    const cookie = [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]
    const padding = [0, 12, 0, 3, 0, 0, 0]
    const result = parseQuery(rawQuery('a.example', [optRecord([...cookie, ...padding])]))
    expect(result.kind).toBe('query')
  })

  it('skips a non-OPT additional record such as TSIG, even one whose owner is a pointer', () => {
    const tsigLike = [0xc0, 12, 0, 250, 0, 255, 0, 0, 0, 0, 0, 2, 9, 9]
    const result = parseQuery(rawQuery('a.example', [tsigLike, optRecord([])]))
    expect(result.kind === 'query' && result.query.edns?.version).toBe(0)
  })
})

describe('parseQuery: drops', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['11 bytes', Buffer.alloc(11)],
  ])('drops a %s packet', (_label, buf) => {
    expect(parseQuery(buf).kind).toBe('drop')
  })

  it('drops responses (QR=1)', () => {
    const buf = buildQuery()
    buf[2] = buf[2]! | 0x80
    expect(parseQuery(buf)).toEqual({ kind: 'drop', reason: expect.stringContaining('QR=1') })
  })

  it('drops a message over 65535 bytes', () => {
    expect(parseQuery(Buffer.alloc(65536)).kind).toBe('drop')
  })
})

describe('parseQuery: FORMERR / NOTIMP / BADVERS', () => {
  it('answers NOTIMP for opcode != QUERY (NOTIFY, UPDATE)', () => {
    for (const opcode of [2, 4, 5, 15]) {
      const buf = buildQuery()
      buf[2] = (buf[2]! & 0x87) | (opcode << 3)
      const result = parseQuery(buf)
      expect(result).toMatchObject({ kind: 'error', rcode: Rcode.NOTIMP, opcode, id: 0x1234, rd: true })
    }
  })

  it.each([
    ['QDCOUNT 0', header(7, 0, 0, 0, 0, 0)],
    ['QDCOUNT 2', [...header(7, 0, 2, 0, 0, 0), ...wireName('a'), 0, 1, 0, 1, ...wireName('b'), 0, 1, 0, 1]],
    ['ANCOUNT 1', [...header(7, 0, 1, 1, 0, 0), ...wireName('a'), 0, 1, 0, 1]],
    ['NSCOUNT 1', [...header(7, 0, 1, 0, 1, 0), ...wireName('a'), 0, 1, 0, 1]],
    ['ARCOUNT 5', [...header(7, 0, 1, 0, 0, 5), ...wireName('a'), 0, 1, 0, 1]],
    ['pointer in question', [...header(7, 0, 1, 0, 0, 0), 1, 0x61, 0xc0, 12, 0, 1, 0, 1]],
    ['label type 0x40', [...header(7, 0, 1, 0, 0, 0), 0x41, 0, 1, 0, 1]],
    ['name past end', [...header(7, 0, 1, 0, 0, 0), 5, 0x61, 0x62]],
    ['missing type/class', [...header(7, 0, 1, 0, 0, 0), ...wireName('a'), 0, 1]],
    ['trailing bytes', [...header(7, 0, 1, 0, 0, 0), ...wireName('a'), 0, 1, 0, 1, 9]],
    ['additional record truncated', [...header(7, 0, 1, 0, 0, 1), ...wireName('a'), 0, 1, 0, 1, 0, 0, 41]],
    [
      'RDLENGTH past end',
      [...header(7, 0, 1, 0, 0, 1), ...wireName('a'), 0, 1, 0, 1, ...optRecord([]).slice(0, 9), 0, 9],
    ],
  ])('FORMERR for %s', (_label, bytes) => {
    const reason = expectError(Buffer.from(bytes), Rcode.FORMERR)
    expect(reason.length).toBeGreaterThan(5)
  })

  it('FORMERR for a question name over 255 bytes', () => {
    const labels = Array.from({ length: 5 }, () => 'x'.repeat(63)).join('.')
    expectError(rawQuery(labels), Rcode.FORMERR)
    const fits = Array.from({ length: 4 }, () => 'x'.repeat(62)).join('.') // 4 * 63 + 1 = 253 bytes
    expect(parseQuery(rawQuery(fits)).kind).toBe('query')
  })

  it('FORMERR for a second OPT record, keeping question and edns for the answer', () => {
    const result = parseQuery(rawQuery('a.example', [optRecord([]), optRecord([])]))
    expect(result).toMatchObject({ kind: 'error', rcode: Rcode.FORMERR, question: { name: 'a.example' } })
    expect(result.kind === 'error' && result.edns?.version).toBe(0)
  })

  it('FORMERR for an OPT whose owner is not the root', () => {
    const opt = [...wireName('x'), ...optRecord([]).slice(1)]
    expectError(rawQuery('a.example', [opt]), Rcode.FORMERR)
  })

  it('NOTIMP and FORMERR keep the question and the EDNS they could read (issue #12, RFC 6891 §6.1.1)', () => {
    const notify = buildQuery({ name: 'a.example', type: 'SOA' })
    notify[2] = (notify[2]! & 0x87) | (4 << 3)
    expect(parseQuery(notify)).toMatchObject({
      kind: 'error',
      rcode: Rcode.NOTIMP,
      question: { name: 'a.example', type: RRType.SOA },
      edns: { version: 0 },
    })
    const twoQuestions = Buffer.from([
      ...header(7, 0, 2, 0, 0, 1),
      ...wireName('a'),
      0,
      1,
      0,
      1,
      ...wireName('b'),
      0,
      1,
      0,
      1,
      ...optRecord([]),
    ])
    const result = parseQuery(twoQuestions)
    expect(result).toMatchObject({ kind: 'error', rcode: Rcode.FORMERR, edns: { version: 0 } })
    expect(result.kind === 'error' && result.question).toBeUndefined()
    expect(result.kind === 'error' && result.malformed).toBeUndefined()
  })

  it('marks bytes that are not a DNS message as malformed (no UDP answer), and accepts IXFR with its SOA', () => {
    const broken = parseQuery(Buffer.from([...header(7, 0, 2, 0, 0, 0), ...wireName('a'), 0, 1, 0, 1]))
    expect(broken).toMatchObject({ kind: 'error', rcode: Rcode.FORMERR, malformed: true })
    const soa = [0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 0, 0, 0]
    const ixfr = parseQuery(
      Buffer.from([...header(7, 0, 1, 0, 1, 0), ...wireName('a'), 0, 251, 0, 1, ...soa]),
    )
    expect(ixfr).toMatchObject({ kind: 'query', query: { question: { name: 'a', type: 251 } } })
  })

  it('BADVERS for EDNS version 1, with edns so the answer carries OPT', () => {
    const result = parseQuery(buildQuery({ edns: { version: 1 } }))
    expect(result).toMatchObject({ kind: 'error', rcode: Rcode.BADVERS, edns: { version: 1 } })
  })

  it.each([
    ['an option header past the OPT', [0, 8, 0]],
    ['an option longer than the OPT', [0, 10, 0, 9, 1]],
    ['ECS shorter than 4 bytes', [0, 8, 0, 2, 0, 1]],
    ['ECS family 3', ecsOption(3, 0, 0, [])],
    ['ECS IPv4 /33', ecsOption(1, 33, 0, [1, 2, 3, 4, 5])],
    ['ECS IPv6 /129', ecsOption(2, 129, 0, new Array(17).fill(0))],
    ['ECS non-zero scope in a query', ecsOption(1, 24, 24, [10, 0, 0])],
    ['ECS address too long for the prefix', ecsOption(1, 24, 0, [10, 0, 0, 0])],
    ['ECS address too short for the prefix', ecsOption(2, 56, 0, [0x20, 1, 0xd, 0xb8, 0, 0])],
    ['ECS bits set beyond the prefix', ecsOption(1, 22, 0, [10, 1, 7])],
    ['two ECS options', [...ecsOption(1, 8, 0, [10]), ...ecsOption(1, 8, 0, [10])]],
  ])('FORMERR for %s', (_label, options) => {
    expectError(rawQuery('a.example', [optRecord(options)]), Rcode.FORMERR)
  })
})
