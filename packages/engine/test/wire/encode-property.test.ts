import * as packet from 'dns-packet'
import {
  encodeResponse,
  Rcode,
  type ResourceRecord,
  type ResponseMessage,
  RRType,
} from '../../src/wire/index.js'
import { prng } from '../robustness/mutate.js'

/** Random valid messages: every one must decode with dns-packet to the same records (names compared ignoring case). */
function randomName(rnd: () => number, suffixes: string[]): string {
  const label = () => {
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'
    const length = 1 + Math.floor(rnd() * (rnd() < 0.1 ? 63 : 10))
    let out = ''
    for (let i = 0; i < length; i++) out += chars[Math.floor(rnd() * chars.length)]
    return out
  }
  const base = suffixes[Math.floor(rnd() * suffixes.length)]!
  const extra = Math.floor(rnd() * 3)
  return [...Array.from({ length: extra }, label), base].filter((s) => s !== '').join('.')
}

function randomRecord(rnd: () => number, suffixes: string[]): ResourceRecord {
  const name = randomName(rnd, suffixes)
  const ttl = Math.floor(rnd() * 100_000)
  switch (Math.floor(rnd() * 6)) {
    case 0:
      return { name, type: 'A', ttl, address: Uint8Array.from({ length: 4 }, () => Math.floor(rnd() * 256)) }
    case 1:
      return {
        name,
        type: 'AAAA',
        ttl,
        address: Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256)),
      }
    case 2:
      return { name, type: rnd() < 0.5 ? 'CNAME' : 'NS', ttl, target: randomName(rnd, suffixes) }
    case 3:
      return {
        name,
        type: 'TXT',
        ttl,
        text: Array.from({ length: Math.floor(rnd() * 3) }, () => 'x'.repeat(Math.floor(rnd() * 600))),
      }
    default:
      return {
        name,
        type: 'SOA',
        ttl,
        mname: randomName(rnd, suffixes),
        rname: randomName(rnd, suffixes),
        serial: Math.floor(rnd() * 2 ** 32),
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: 60,
      }
  }
}

/** What dns-packet should decode for a record we encoded. */
function expected(rr: ResourceRecord): unknown {
  const base = { name: rr.name.toLowerCase(), type: rr.type, ttl: rr.ttl }
  switch (rr.type) {
    case 'A':
      return { ...base, data: [...rr.address].join('.') }
    case 'AAAA':
      return { ...base, data: Buffer.from(rr.address).toString('hex') }
    case 'CNAME':
    case 'NS':
      return { ...base, data: rr.target.toLowerCase() }
    case 'TXT': {
      const chunks: string[] = []
      for (const s of rr.text.length === 0 ? [''] : rr.text) {
        if (s === '') chunks.push('')
        for (let i = 0; i < s.length; i += 255) chunks.push(s.slice(i, i + 255))
      }
      return { ...base, data: chunks }
    }
    case 'SOA':
      return {
        ...base,
        data: {
          ...rr,
          name: undefined,
          type: undefined,
          ttl: undefined,
          mname: rr.mname.toLowerCase(),
          rname: rr.rname.toLowerCase(),
        },
      }
  }
}

/** dns-packet writes the root as '.', we as ''. */
const norm = (name: string) => (name === '.' ? '' : name.toLowerCase())

function actual(answer: packet.Answer): unknown {
  const a = answer as packet.Answer & { data: unknown; ttl: number }
  const base = { name: norm(a.name), type: a.type, ttl: a.ttl }
  switch (a.type) {
    case 'AAAA': {
      const groups = (a.data as string).split(':')
      // dns-packet prints '::' shorthand; expand to hex bytes for comparison
      const missing = 8 - groups.filter((g) => g !== '').length
      const full = groups.flatMap((g, i) =>
        g === '' ? (groups[i - 1] === '' ? [] : Array(missing).fill('0')) : [g],
      )
      return { ...base, data: full.map((g) => g.padStart(4, '0')).join('') }
    }
    case 'CNAME':
    case 'NS':
      return { ...base, data: norm(a.data as string) }
    case 'TXT':
      return { ...base, data: (a.data as Buffer[]).map((b) => b.toString()) }
    case 'SOA': {
      const d = a.data as packet.SoaData
      return {
        ...base,
        data: {
          ...d,
          name: undefined,
          type: undefined,
          ttl: undefined,
          mname: norm(d.mname),
          rname: norm(d.rname),
        },
      }
    }
    default:
      return { ...base, data: a.data }
  }
}

describe('encodeResponse property: random valid messages decode the same with dns-packet', () => {
  it('500 random messages with compression across sections', () => {
    const rnd = prng(0xc0ffee)
    for (let n = 0; n < 500; n++) {
      const suffixes = ['example.org', 'Example.ORG', 'sub.example.org', 'other.net', '']
      const section = () => Array.from({ length: Math.floor(rnd() * 6) }, () => randomRecord(rnd, suffixes))
      const msg: ResponseMessage = {
        id: n,
        opcode: 0,
        aa: true,
        rd: rnd() < 0.5,
        cd: false,
        rcode: Rcode.NOERROR,
        question: { name: randomName(rnd, suffixes), type: RRType.A, class: 1 },
        answers: section(),
        authority: section(),
        additional: section(),
      }
      const buf = Buffer.from(encodeResponse(msg, 65535))
      const decoded = packet.decode(buf)
      expect(decoded.id).toBe(n)
      expect(decoded.answers?.map(actual)).toEqual(msg.answers.map(expected))
      expect(decoded.authorities?.map(actual)).toEqual(msg.authority.map(expected))
      expect(decoded.additionals?.map(actual)).toEqual(msg.additional.map(expected))
      // The question keeps its exact case even though answers may compress against it.
      expect(decoded.questions?.[0]?.name.replace(/^\.$/, '')).toBe(msg.question!.name)
    }
  })

  it('truncates exactly at the limit: a message of maxSize bytes is whole, one byte less is TC', () => {
    const msg: ResponseMessage = {
      id: 1,
      opcode: 0,
      aa: true,
      rd: false,
      cd: false,
      rcode: 0,
      question: { name: 'a.example', type: RRType.TXT, class: 1 },
      answers: [{ name: 'a.example', type: 'TXT', ttl: 1, text: ['t'.repeat(1000)] }],
      authority: [],
      additional: [],
      edns: { udpPayloadSize: 1232 },
    }
    const whole = encodeResponse(msg, 65535)
    const fits = packet.decode(Buffer.from(encodeResponse(msg, whole.length)))
    expect(fits.flags! & 0x0200).toBe(0)
    expect(fits.answers).toHaveLength(1)
    const cut = packet.decode(Buffer.from(encodeResponse(msg, whole.length - 1)))
    expect(cut.flags! & 0x0200).toBe(0x0200)
    expect(cut.answers).toHaveLength(0)
    expect(cut.additionals?.[0]?.type).toBe('OPT')
  })
})
