import * as packet from 'dns-packet'
import {
  encodeResponse,
  errorResponse,
  parseQuery,
  Rcode,
  type ResourceRecord,
  type ResponseMessage,
  RRType,
} from '../../src/wire/index.js'
import { buildQuery } from './helpers.js'

const v4 = (s: string) => Uint8Array.from(s.split('.').map(Number))
const v6 = (bytes: number[]) => {
  const out = new Uint8Array(16)
  out.set(bytes)
  return out
}

function response(overrides: Partial<ResponseMessage> = {}): ResponseMessage {
  return {
    id: 0xabcd,
    opcode: 0,
    aa: true,
    rd: true,
    cd: false,
    rcode: Rcode.NOERROR,
    question: { name: 'www.Example.com', type: RRType.A, class: 1 },
    answers: [],
    authority: [],
    additional: [],
    ...overrides,
  }
}

/** dns-packet decodes `rcode` (the header's low 4 bits) but its types omit it. */
function decode(buf: Uint8Array): packet.DecodedPacket & { rcode: string } {
  return packet.decode(Buffer.from(buf)) as packet.DecodedPacket & { rcode: string }
}

function optOf(decoded: packet.DecodedPacket): packet.OptAnswer | undefined {
  return decoded.additionals?.find((a) => a.type === 'OPT') as packet.OptAnswer | undefined
}

describe('encodeResponse (dns-packet as oracle)', () => {
  it('encodes the header flags and echoes the question', () => {
    const decoded = decode(encodeResponse(response({ cd: true }), 512))
    expect(decoded.id).toBe(0xabcd)
    expect(decoded.type).toBe('response')
    expect(decoded.flag_aa).toBe(true)
    expect(decoded.flag_rd).toBe(true)
    expect(decoded.flag_cd).toBe(true)
    expect(decoded.flag_tc).toBe(false)
    expect(decoded.flag_ra).toBe(false)
    expect(decoded.rcode).toBe('NOERROR')
    expect(decoded.questions).toEqual([{ name: 'www.Example.com', type: 'A', class: 'IN' }])
  })

  it('fast path: A and AAAA answers point at the question name and decode to the same records', () => {
    const answers: ResourceRecord[] = [
      { name: 'www.Example.com', type: 'A', ttl: 30, address: v4('192.0.2.1') },
      { name: 'WWW.example.com', type: 'A', ttl: 30, address: v4('192.0.2.2') },
      {
        name: 'www.Example.com',
        type: 'AAAA',
        ttl: 60,
        address: v6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
      },
    ]
    const buf = encodeResponse(response({ answers }), 512)
    const decoded = decode(buf)
    expect(decoded.answers).toEqual([
      { name: 'www.Example.com', type: 'A', class: 'IN', ttl: 30, flush: false, data: '192.0.2.1' },
      { name: 'www.Example.com', type: 'A', class: 'IN', ttl: 30, flush: false, data: '192.0.2.2' },
      { name: 'www.Example.com', type: 'AAAA', class: 'IN', ttl: 60, flush: false, data: '2001:db8::1' },
    ])
    // 12 header + 17 name + 4 + 2 * 16 + 28: every answer name is a 2-byte pointer
    expect(buf.length).toBe(12 + 17 + 4 + 32 + 28)
  })

  it('echoes the question exactly as parsed, even with escaped bytes', () => {
    const query = Buffer.from(buildQuery({ name: 'MiXeD.example', edns: false }))
    const parsed = parseQuery(query)
    if (parsed.kind !== 'query') throw new Error('expected a query')
    const buf = encodeResponse(
      response({
        id: parsed.query.id,
        question: parsed.query.question,
        answers: [{ name: parsed.query.question.name, type: 'A', ttl: 5, address: v4('10.0.0.1') }],
      }),
      512,
    )
    expect(Buffer.from(buf.subarray(12, 12 + query.length - 12))).toEqual(query.subarray(12))
  })

  it('general path: CNAME, NS, SOA and TXT with compression decode the same', () => {
    const answers: ResourceRecord[] = [
      { name: 'www.Example.com', type: 'CNAME', ttl: 10, target: 'pool.example.com' },
      { name: 'pool.example.com', type: 'A', ttl: 10, address: v4('192.0.2.9') },
      { name: 'pool.example.com', type: 'TXT', ttl: 10, text: ['hello', '', 'x'.repeat(600)] },
    ]
    const authority: ResourceRecord[] = [
      { name: 'example.com', type: 'NS', ttl: 3600, target: 'ns1.example.com' },
      {
        name: 'example.com',
        type: 'SOA',
        ttl: 3600,
        mname: 'ns1.example.com',
        rname: 'hostmaster.example.com',
        serial: 4294967295,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: 1,
      },
    ]
    const additional: ResourceRecord[] = [
      { name: 'ns1.example.com', type: 'A', ttl: 3600, address: v4('192.0.2.53') },
    ]
    const question = { name: 'www.example.com', type: RRType.A, class: 1 }
    const buf = encodeResponse(response({ question, answers, authority, additional }), 65535)
    const decoded = decode(buf)
    // Compression is case-insensitive (RFC 4343): names may come back with the question's case.
    const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v)
    expect(
      decoded.answers?.map((a) => [lower(a.name), a.type, lower((a as { data: unknown }).data)]),
    ).toEqual([
      ['www.example.com', 'CNAME', 'pool.example.com'],
      ['pool.example.com', 'A', '192.0.2.9'],
      [
        'pool.example.com',
        'TXT',
        [
          Buffer.from('hello'),
          Buffer.from(''),
          Buffer.from('x'.repeat(255)),
          Buffer.from('x'.repeat(255)),
          Buffer.from('x'.repeat(90)),
        ],
      ],
    ])
    expect(decoded.authorities).toEqual([
      { name: 'example.com', type: 'NS', class: 'IN', ttl: 3600, flush: false, data: 'ns1.example.com' },
      {
        name: 'example.com',
        type: 'SOA',
        class: 'IN',
        ttl: 3600,
        flush: false,
        data: {
          mname: 'ns1.example.com',
          rname: 'hostmaster.example.com',
          serial: 4294967295,
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: 1,
        },
      },
    ])
    expect(decoded.additionals).toEqual([
      { name: 'ns1.example.com', type: 'A', class: 'IN', ttl: 3600, flush: false, data: '192.0.2.53' },
    ])
    // Compression: 'example.com' appears once in full.
    expect(Buffer.from(buf).indexOf(Buffer.from('\x07example\x03com'))).toBe(
      Buffer.from(buf).lastIndexOf(Buffer.from('\x07example\x03com')),
    )
  })

  it('TXT: a multi-byte UTF-8 string is split on byte counts and RDLENGTH matches', () => {
    const text = 'é'.repeat(200) // 400 bytes
    const buf = encodeResponse(
      response({ answers: [{ name: 'a.example', type: 'TXT', ttl: 1, text: [text] }] }),
      65535,
    )
    const txt = decode(buf).answers?.[0] as packet.TxtAnswer
    const parts = txt.data as Buffer[]
    expect(parts.map((p) => p.length)).toEqual([255, 145])
    expect(Buffer.concat(parts).toString('utf8')).toBe(text)
  })

  it('OPT: advertised size, extended rcode, DO bit and ECS echoed with the caller scope', () => {
    const ecs = {
      family: 2 as const,
      sourcePrefixLength: 56,
      scopePrefixLength: 48,
      address: v6([0x20, 0x01, 0x0d, 0xb8, 0, 0xaa, 0xbb]),
    }
    const buf = encodeResponse(
      response({ rcode: Rcode.BADVERS, edns: { udpPayloadSize: 1232, ecs, dnssecOk: true } }),
      512,
    )
    const decoded = decode(buf)
    expect(decoded.rcode).toBe('NOERROR') // low 4 bits of 16
    const opt = optOf(decoded)
    expect(opt?.udpPayloadSize).toBe(1232)
    expect(opt?.extendedRcode).toBe(1)
    expect(opt?.flag_do).toBe(true)
    expect(opt?.options).toEqual([
      {
        code: 8,
        type: 'CLIENT_SUBNET',
        family: 2,
        sourcePrefixLength: 56,
        scopePrefixLength: 48,
        ip: '2001:db8:aa:bb00::',
        data: expect.anything(),
      },
    ])
    // 7 address bytes on the wire for /56
    expect((opt?.options?.[0] as { data: Buffer } | undefined)?.data.length).toBe(4 + 7)
  })

  it('an extended rcode without OPT becomes SERVFAIL', () => {
    expect(decode(encodeResponse(response({ rcode: Rcode.BADVERS }), 512)).rcode).toBe('SERVFAIL')
  })

  it('truncates to maxSize with TC=1, keeping question and OPT', () => {
    const answers: ResourceRecord[] = Array.from({ length: 40 }, (_, i) => ({
      name: 'www.Example.com',
      type: 'AAAA' as const,
      ttl: 30,
      address: v6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i]),
    }))
    const msg = response({ answers, edns: { udpPayloadSize: 1232 } })
    const small = encodeResponse(msg, 512)
    expect(small.length).toBeLessThanOrEqual(512)
    const decoded = decode(small)
    expect(decoded.flag_tc).toBe(true)
    expect(decoded.answers).toEqual([])
    expect(decoded.questions?.[0]?.name).toBe('www.Example.com')
    expect(optOf(decoded)?.udpPayloadSize).toBe(1232)
    const big = decode(encodeResponse(msg, 65535))
    expect(big.flag_tc).toBe(false)
    expect(big.answers).toHaveLength(40)
  })

  it('general path truncates too (TXT too large for UDP)', () => {
    const msg = response({ answers: [{ name: 'a.example', type: 'TXT', ttl: 1, text: ['y'.repeat(2000)] }] })
    const decoded = decode(encodeResponse(msg, 1232))
    expect(decoded.flag_tc).toBe(true)
    expect(decoded.answers).toEqual([])
  })

  it('a message that would exceed 65535 bytes is truncated rather than wrapped', () => {
    const msg = response({ answers: [{ name: 'a.example', type: 'TXT', ttl: 1, text: ['z'.repeat(70000)] }] })
    const buf = encodeResponse(msg, 65535)
    expect(decode(buf).flag_tc).toBe(true)
  })

  it('rejects records the caller built wrongly with a stable code', () => {
    const bad = response({
      answers: [{ name: 'www.Example.com', type: 'A', ttl: 1, address: new Uint8Array(3) }],
    })
    expect(() => encodeResponse(bad, 512)).toThrow(
      expect.objectContaining({ code: 'GSLB_DNS_INVALID_RECORD' }),
    )
    const badName = response({
      answers: [{ name: `${'x'.repeat(64)}.example`, type: 'CNAME', ttl: 1, target: 'a' }],
    })
    expect(() => encodeResponse(badName, 512)).toThrow(
      expect.objectContaining({ code: 'GSLB_DNS_INVALID_NAME' }),
    )
  })

  it('errorResponse builds FORMERR with the question and BADVERS with OPT', () => {
    const parsed = parseQuery(buildQuery({ edns: { version: 2 } }))
    if (parsed.kind !== 'error') throw new Error('expected error')
    const decoded = decode(encodeResponse(errorResponse(parsed), 512))
    expect(decoded.id).toBe(0x1234)
    expect(decoded.questions?.[0]?.name).toBe('www.Example.com')
    expect(optOf(decoded)?.extendedRcode).toBe(1)
    expect(decoded.flag_aa).toBe(false)
  })
})

describe('record-name label cache', () => {
  test('more distinct record names than the cache holds (it clears and refills) still encode exactly', () => {
    for (let i = 0; i < 5_000; i++) {
      const name = `host${i}.Zone${i % 7}.example`
      const soa: ResourceRecord = {
        name: `zone${i % 7}.example`,
        type: 'SOA',
        ttl: 5,
        mname: `ns1.zone${i % 7}.example`,
        rname: 'hostmaster.example',
        serial: i,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: 5,
      }
      const out = decode(
        encodeResponse(
          response({
            question: { name, type: RRType.A, class: 1 },
            answers: [{ name, type: 'A', ttl: 5, address: v4(`10.0.${i >> 8}.${i & 255}`) }],
            authority: [soa],
          }),
          65535,
        ),
      )
      expect(out.questions?.[0]?.name).toBe(name)
      expect(out.answers?.[0]).toMatchObject({ name, type: 'A', data: `10.0.${i >> 8}.${i & 255}` })
      // compressed against the question's suffix, so it carries the question's case: names compare case-insensitively
      expect(out.authorities?.[0]?.name.toLowerCase()).toBe(`zone${i % 7}.example`)
      expect(out.authorities?.[0]).toMatchObject({ type: 'SOA', data: { serial: i } })
    }
  })

  test('a cached record name written in another case than the question still compresses against it', () => {
    const asked = response({
      question: { name: 'DICOM.mysite.com', type: RRType.A, class: 1 },
      answers: [{ name: 'dicom.MYSITE.com', type: 'A', ttl: 5, address: v4('10.1.0.100') }],
    })
    const first = encodeResponse(asked, 512)
    const second = encodeResponse(asked, 512)
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true)
    // question (12 + 18 + 4 bytes) then a 2-byte pointer for the answer's owner name
    expect(first.length).toBe(12 + 18 + 4 + 2 + 10 + 4)
    expect(decode(first).answers?.[0]).toMatchObject({ name: 'DICOM.mysite.com', data: '10.1.0.100' })
  })
})
