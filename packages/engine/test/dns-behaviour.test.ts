import * as packet from 'dns-packet'
import { createEngine, type Engine } from '../src/index.js'
import { addresses, decode, opt, query, sampleConfig, ZONE } from './support/dns.js'

const CLIENT = { address: '192.0.2.200', port: 40000 }
let engine: Engine

beforeEach(() => {
  engine = createEngine({ config: sampleConfig() })
})
afterEach(() => engine.close())

function ask(name: string, type: string, options = {}) {
  return decode(engine.answer(query(name, type, options), CLIENT))
}

describe('authoritative answers', () => {
  test('A for a global name: AA set, RA never, RD copied, id echoed, TTL of the name', () => {
    const res = ask(`pacs.${ZONE}`, 'A', { id: 777 })
    expect(res.id).toBe(777)
    expect(res.rcode).toBe('NOERROR')
    expect(res.flag_aa).toBe(true)
    expect(res.flag_ra).toBe(false)
    expect(res.flag_rd).toBe(true)
    expect(addresses(res)).toEqual(['10.1.0.50', '10.2.0.50'])
    expect(res.answers?.[0]?.ttl).toBe(7)
    expect(ask(`pacs.${ZONE}`, 'A', { rd: false }).flag_rd).toBe(false)
  })

  test('default TTL of a global name is 5 s', () => {
    expect(ask(ZONE, 'A').answers?.[0]?.ttl).toBe(5)
  })

  test('static A, AAAA and TXT records', () => {
    expect(addresses(ask(`static.${ZONE}`, 'A'))).toEqual(['192.0.2.10', '192.0.2.11'])
    expect(addresses(ask(`v6.${ZONE}`, 'AAAA'))).toEqual(['2001:db8::10'])
    const txt = ask(`static.${ZONE}`, 'TXT').answers?.[0]
    expect(txt?.type).toBe('TXT')
    expect(((txt?.data ?? []) as Buffer[]).map(String)).toEqual(['hello'])
  })

  test('the question is echoed with its case; names match case-insensitively', () => {
    const res = ask('PaCs.DiCoM.Example.ORG', 'A')
    expect(res.questions?.[0]?.name).toBe('PaCs.DiCoM.Example.ORG')
    expect(addresses(res)).toEqual(['10.1.0.50', '10.2.0.50'])
    expect(ask(`pacs.${ZONE}.`, 'A').rcode).toBe('NOERROR')
  })

  test('NXDOMAIN with the SOA in authority, TTL = min(SOA ttl, minimum)', () => {
    const res = ask(`nope.${ZONE}`, 'A')
    expect(res.rcode).toBe('NXDOMAIN')
    expect(res.flag_aa).toBe(true)
    expect(res.answers).toHaveLength(0)
    expect(res.authorities).toHaveLength(1)
    const soa = res.authorities?.[0]
    expect(soa?.type).toBe('SOA')
    expect(soa?.name).toBe(ZONE)
    expect(soa?.ttl).toBe(30)
    expect(soa?.data).toMatchObject({
      mname: 'ns1.dicom.example.org',
      rname: 'hostmaster.example.org',
      serial: 2024010101,
      minimum: 30,
    })
  })

  test('NODATA for an existing name without the type (AAAA of an IPv4-only pool)', () => {
    const res = ask(`pacs.${ZONE}`, 'AAAA')
    expect(res.rcode).toBe('NOERROR')
    expect(res.flag_aa).toBe(true)
    expect(res.answers).toHaveLength(0)
    expect(res.authorities?.[0]?.type).toBe('SOA')
    expect(ask(`static.${ZONE}`, 'MX').authorities?.[0]?.type).toBe('SOA')
  })

  test('negative answers: SOA TTL is the smaller of the SOA TTL and minimum, for NXDOMAIN and NODATA', () => {
    expect(ask(`pacs.${ZONE}`, 'AAAA').authorities?.[0]?.ttl).toBe(30)
    const config = sampleConfig()
    config.zones[ZONE]!.soa = { ttl: 20, minimum: 300 }
    engine.update(config)
    expect(ask(`nope.${ZONE}`, 'A').authorities?.[0]?.ttl).toBe(20)
    expect(ask(`pacs.${ZONE}`, 'AAAA').authorities?.[0]?.ttl).toBe(20)
    const soa = ask(ZONE, 'SOA').answers?.[0]
    expect(soa?.ttl).toBe(20)
    expect(soa?.data.minimum).toBe(300)
  })

  test('NODATA for empty non-terminals, NXDOMAIN below existing names', () => {
    for (const name of [`deep.${ZONE}`, `b.deep.${ZONE}`]) {
      const res = ask(name, 'A')
      expect(res.rcode).toBe('NOERROR')
      expect(res.answers).toHaveLength(0)
      expect(res.authorities?.[0]?.type).toBe('SOA')
    }
    expect(ask(`x.a.b.deep.${ZONE}`, 'A').rcode).toBe('NXDOMAIN')
  })

  test('REFUSED without AA for names outside every zone', () => {
    for (const name of ['example.org', 'www.example.com', '', 'org']) {
      const res = ask(name, 'A')
      expect(res.rcode).toBe('REFUSED')
      expect(res.flag_aa).toBe(false)
      expect(res.answers).toHaveLength(0)
    }
  })

  test('a dot inside a label is no label boundary: such a name is outside the zone it seems to end in', () => {
    // Labels 'x.dicom', 'example', 'org' (presentation x\\.dicom.example.org): a name in example.org, not ours.
    const labels = ['x.dicom', 'example', 'org'].map((l) => [l.length, ...Buffer.from(l)])
    const header = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
    const bytes = Uint8Array.from([...header, ...labels.flat(), 0, 0, 1, 0, 1])
    const res = decode(engine.answer(bytes, CLIENT))
    expect(res.rcode).toBe('REFUSED')
    expect(res.flag_aa).toBe(false)
    for (const first of ['x.y', 'x\\', 'x\\.']) {
      const inZone = [first, 'dicom', 'example', 'org'].map((l) => [l.length, ...Buffer.from(l)])
      const nx = decode(engine.answer(Uint8Array.from([...header, ...inZone.flat(), 0, 0, 1, 0, 1]), CLIENT))
      expect(nx.rcode).toBe('NXDOMAIN')
      expect(nx.authorities?.[0]?.name).toBe(ZONE)
    }
  })

  test('REFUSED for zone transfers and for classes other than IN', () => {
    expect(ask(ZONE, 'AXFR').rcode).toBe('REFUSED')
    expect(ask(ZONE, 'A', { class: 'CH' }).rcode).toBe('REFUSED')
  })

  test('NOTIMP for opcodes other than QUERY', () => {
    for (const opcode of [1, 2, 4, 5]) {
      const res = ask(ZONE, 'A', { opcode })
      expect(res.rcode).toBe('NOTIMP')
      expect(res.flag_aa).toBe(false)
    }
  })

  test('FORMERR for a well-formed query the engine cannot answer (two questions)', () => {
    const res = decode(engine.answer(twoQuestions(), CLIENT))
    expect(res.rcode).toBe('FORMERR')
    expect(res.id).toBe(4242)
  })

  test('no answer at all for responses, and for garbage too short to carry an id', () => {
    const response = Buffer.from(query(ZONE, 'A'))
    response[2] = response[2]! | 0x80
    expect(engine.answer(response, CLIENT)).toBeNull()
    expect(engine.answer(new Uint8Array([1]), CLIENT)).toBeNull()
    expect(engine.stats().dropped).toBe(2)
  })

  test('CNAME chased within our zones, and left for the resolver when it leaves them', () => {
    const res = ask(`alias.${ZONE}`, 'A')
    expect(res.rcode).toBe('NOERROR')
    expect(res.answers?.[0]).toMatchObject({ type: 'CNAME', data: `pacs.${ZONE}` })
    expect(res.answers?.slice(1).map((a) => a.data)).toEqual(['10.1.0.50', '10.2.0.50'])
    const far = ask(`far.${ZONE}`, 'A')
    expect(far.rcode).toBe('NOERROR')
    expect(far.answers?.map((a) => a.type)).toEqual(['CNAME'])
    expect(ask(`alias.${ZONE}`, 'CNAME').answers?.map((a) => a.type)).toEqual(['CNAME'])
  })

  test('SOA and NS at the apex, with glue in additional for in-zone name servers only', () => {
    const soa = ask(ZONE, 'SOA')
    expect(soa.answers?.[0]).toMatchObject({ type: 'SOA', ttl: 600 })
    expect(soa.authorities).toHaveLength(0)
    const ns = ask(ZONE, 'NS')
    expect(ns.flag_aa).toBe(true)
    expect(ns.answers?.map((a) => a.data).sort()).toEqual(['ns.outside.example.net', 'ns1.dicom.example.org'])
    const glue = ns.additionals?.filter((a) => a.type !== 'OPT').map((a) => `${a.name} ${a.type} ${a.data}`)
    expect(glue?.sort()).toEqual([
      'ns1.dicom.example.org A 192.0.2.53',
      'ns1.dicom.example.org AAAA 2001:db8::53',
    ])
    expect(ask(`pacs.${ZONE}`, 'NS').answers).toHaveLength(0)
    expect(ask(`pacs.${ZONE}`, 'SOA').authorities?.[0]?.type).toBe('SOA')
  })

  test('in-zone name servers answer for their glue addresses', () => {
    const a = ask(`ns1.${ZONE}`, 'A')
    expect(a.flag_aa).toBe(true)
    expect(addresses(a)).toEqual(['192.0.2.53'])
    expect(addresses(ask(`ns1.${ZONE}`, 'AAAA'))).toEqual(['2001:db8::53'])
  })

  test('ANY is answered minimally (RFC 8482): one RRset', () => {
    expect(ask(`pacs.${ZONE}`, 'ANY').answers?.map((a) => a.type)).toEqual(['A', 'A'])
    expect(ask(`static.${ZONE}`, 'ANY').answers?.map((a) => a.type)).toEqual(['A', 'A'])
    expect(ask(`alias.${ZONE}`, 'ANY').answers?.map((a) => a.type)).toEqual(['CNAME'])
  })
})

describe('EDNS(0)', () => {
  test('an OPT is echoed only when the query had one, advertising 1232', () => {
    expect(opt(ask(ZONE, 'A'))).toBeUndefined()
    const res = ask(ZONE, 'A', { edns: 4096 })
    expect(opt(res)?.udpPayloadSize).toBe(1232)
  })

  test('the DO bit is copied into the response OPT (RFC 3225)', () => {
    expect((opt(ask(ZONE, 'A', { dnssecOk: true }))?.flags ?? 0) & 0x8000).toBe(0x8000)
    expect((opt(ask(ZONE, 'A', { edns: 1232 }))?.flags ?? 0) & 0x8000).toBe(0)
  })

  test('BADVERS for EDNS versions other than 0', () => {
    const res = ask(ZONE, 'A', { ednsVersion: 1 })
    const record = opt(res)
    expect(record).toBeDefined()
    expect(((record?.extendedRcode ?? 0) << 4) | (res.flags! & 0xf)).toBe(16)
  })

  test('TC=1 when the answer does not fit the buffer; the whole answer over TCP', () => {
    const big = sampleConfig()
    big.zones[ZONE]!.records!.push({
      name: 'big',
      type: 'A',
      value: Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 1}`),
    })
    engine.update(big)
    const udp = ask(`big.${ZONE}`, 'A', { edns: 512 })
    expect(udp.flag_tc).toBe(true)
    expect(udp.answers).toHaveLength(0)
    const noEdns = ask(`big.${ZONE}`, 'A')
    expect(noEdns.flag_tc).toBe(true)
    const roomy = ask(`big.${ZONE}`, 'A', { edns: 4096 })
    expect(roomy.flag_tc).toBe(false)
    expect(roomy.answers).toHaveLength(60)
    const tcp = decode(engine.answer(query(`big.${ZONE}`, 'A'), { ...CLIENT, transport: 'tcp' }))
    expect(tcp.flag_tc).toBe(false)
    expect(tcp.answers).toHaveLength(60)
  })
})

describe('stats', () => {
  test('counts responses by rcode and transport', () => {
    ask(ZONE, 'A')
    ask(`nope.${ZONE}`, 'A')
    engine.answer(query('outside.test', 'A'), { ...CLIENT, transport: 'tcp' })
    const stats = engine.stats()
    expect(stats.queries).toEqual({ udp: 2, tcp: 1, total: 3 })
    expect(stats.responses.udp).toEqual({ NOERROR: 1, NXDOMAIN: 1 })
    expect(stats.responses.tcp).toEqual({ REFUSED: 1 })
  })
})

describe('nested zones', () => {
  test('a name server inside a nested zone answers its glue address there, once', async () => {
    const glued = { name: 'ns.sub.example.test', addresses: ['192.0.2.53'] }
    const nested = createEngine({
      config: {
        zones: {
          'example.test': { ns: [glued] },
          'sub.example.test': { ns: ['ns.elsewhere.net'] },
        },
      },
    })
    const both = createEngine({
      config: { zones: { 'example.test': { ns: [glued] }, 'sub.example.test': { ns: [glued] } } },
    })
    try {
      for (const engine of [nested, both]) {
        const ns = decode(engine.answer(query('example.test', 'NS'), CLIENT))
        expect(ns.additionals?.map((a) => `${a.name} ${a.data}`)).toEqual(['ns.sub.example.test 192.0.2.53'])
        const a = decode(engine.answer(query('ns.sub.example.test', 'A'), CLIENT))
        expect(a.rcode).toBe('NOERROR')
        expect(a.flag_aa).toBe(true)
        expect(addresses(a)).toEqual(['192.0.2.53'])
      }
    } finally {
      await Promise.all([nested.close(), both.close()])
    }
  })

  test('a name between a zone and a zone nested below it is an empty non-terminal (NODATA, not NXDOMAIN)', async () => {
    // A QNAME-minimising resolver asks for a.example.test first; NXDOMAIN there would, by RFC 8020, deny
    // everything below it, including the nested zone and its global names.
    const nested = createEngine({
      config: {
        zones: {
          'example.test': { ns: ['ns.elsewhere.net'] },
          'b.a.example.test': { ns: ['ns.elsewhere.net'] },
        },
        pools: { p: { members: [{ name: 'm', address: '192.0.2.7' }] } },
        names: { 'www.b.a.example.test': { pool: 'p' } },
      },
    })
    try {
      const ent = decode(nested.answer(query('a.example.test', 'A'), CLIENT))
      expect(ent.rcode).toBe('NOERROR')
      expect(ent.flag_aa).toBe(true)
      expect(ent.answers).toHaveLength(0)
      expect(ent.authorities?.[0]).toMatchObject({ type: 'SOA', name: 'example.test' })
      expect(decode(nested.answer(query('x.example.test', 'A'), CLIENT)).rcode).toBe('NXDOMAIN')
      expect(decode(nested.answer(query('x.a.example.test', 'A'), CLIENT)).rcode).toBe('NXDOMAIN')
      const apex = decode(nested.answer(query('b.a.example.test', 'SOA'), CLIENT))
      expect(apex.answers?.[0]).toMatchObject({ type: 'SOA', name: 'b.a.example.test' })
      expect(addresses(decode(nested.answer(query('www.b.a.example.test', 'A'), CLIENT)))).toEqual([
        '192.0.2.7',
      ])
    } finally {
      await nested.close()
    }
  })
})

function twoQuestions(): Uint8Array {
  return packet.encode({
    type: 'query',
    id: 4242,
    flags: packet.RECURSION_DESIRED,
    questions: [
      { name: ZONE, type: 'A' },
      { name: `pacs.${ZONE}`, type: 'A' },
    ],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: 0, options: [] } as never],
  })
}

/** A hand-built query with one SOA record in the authority section, as IXFR sends it (RFC 1995). */
function withAuthoritySoa(type: number, edns: boolean): Uint8Array {
  const name = ZONE.split('.').flatMap((l) => [l.length, ...Buffer.from(l)])
  const soaRdata = [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
  const soa = [0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 0, 0, soaRdata.length, ...soaRdata]
  const optRr = [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]
  return Uint8Array.from([
    ...[0x10, 0x92, 0, 0, 0, 1, 0, 0, 0, 1, 0, edns ? 1 : 0],
    ...name,
    0,
    type >> 8,
    type & 0xff,
    0,
    1,
    ...soa,
    ...(edns ? optRr : []),
  ])
}

describe('error answers keep the question and the OPT (issue #12, RFC 6891 §6.1.1)', () => {
  test('NOTIMP for a NOTIFY with EDNS carries the question and an OPT', () => {
    const res = ask(ZONE, 'SOA', { opcode: 4, edns: 1232 })
    expect(res.rcode).toBe('NOTIMP')
    expect(res.questions).toEqual([{ name: ZONE, type: 'SOA', class: 'IN' }])
    expect(opt(res)?.udpPayloadSize).toBe(1232)
  })

  test('FORMERR for two questions carries the OPT (no single question to echo)', () => {
    const res = decode(engine.answer(twoQuestions(), CLIENT))
    expect(res.rcode).toBe('FORMERR')
    expect(res.questions).toEqual([])
    expect(opt(res)).toBeDefined()
  })

  test('FORMERR for an A query with an authority record carries the question and the OPT', () => {
    const res = decode(engine.answer(withAuthoritySoa(1, true), CLIENT))
    expect(res.rcode).toBe('FORMERR')
    expect(res.questions?.[0]).toMatchObject({ name: ZONE, type: 'A' })
    expect(opt(res)).toBeDefined()
  })

  test('IXFR with the SOA in authority is REFUSED with the question, like AXFR (zone transfers are not served)', () => {
    for (const edns of [false, true]) {
      const res = decode(engine.answer(withAuthoritySoa(251, edns), CLIENT))
      expect(res.rcode).toBe('REFUSED')
      expect(res.questions?.[0]).toMatchObject({ name: ZONE, type: 'IXFR' })
      expect(opt(res) !== undefined).toBe(edns)
    }
    expect(ask(ZONE, 'AXFR', { edns: 1232 }).questions?.[0]?.type).toBe('AXFR')
  })

  test('class ANY is answered from class IN (as gdnsd does); other classes are REFUSED', () => {
    const any = ask(`pacs.${ZONE}`, 'A', { class: 'ANY' })
    expect(any.rcode).toBe('NOERROR')
    expect(addresses(any)).toEqual(['10.1.0.50', '10.2.0.50'])
    for (const klass of ['CH', 'HS']) expect(ask(ZONE, 'A', { class: klass }).rcode).toBe('REFUSED')
  })

  test('over UDP, bytes that are not a DNS message get no answer; over TCP they get FORMERR', () => {
    const broken = Buffer.from(query(ZONE, 'A'))
    broken.writeUInt16BE(2, 4) // announces a second question that is not there
    expect(engine.answer(broken, CLIENT)).toBeNull()
    expect(engine.stats().dropped).toBe(1)
    expect(decode(engine.answer(broken, { ...CLIENT, transport: 'tcp' })).rcode).toBe('FORMERR')
  })
})

describe('UDP error answers are rate-limited (issue #12: garbage floods)', () => {
  test('beyond the budget, FORMERR/NOTIMP/REFUSED are withheld over UDP, never over TCP; answers are not', () => {
    let clock = 0
    const limited = createEngine({
      config: sampleConfig(),
      now: () => clock,
      udpErrorResponses: { perSecond: 10, burst: 3 },
    })
    try {
      const notimp = query(ZONE, 'A', { opcode: 2 })
      const outside = query('www.example.com', 'A')
      const sent = [notimp, outside, twoQuestions(), notimp, outside].map((q) => limited.answer(q, CLIENT))
      expect(sent.map((r) => r !== null)).toEqual([true, true, true, false, false])
      expect(limited.stats().rateLimited).toBe(2)
      expect(decode(limited.answer(notimp, { ...CLIENT, transport: 'tcp' })).rcode).toBe('NOTIMP')
      expect(addresses(decode(limited.answer(query(ZONE, 'A'), CLIENT)))).toEqual(['10.1.0.50', '10.2.0.50'])
      clock += 100 // one token back
      expect(limited.answer(outside, CLIENT)).not.toBeNull()
      expect(limited.answer(outside, CLIENT)).toBeNull()
    } finally {
      void limited.close()
    }
  })

  test('udpErrorResponses is validated, and false turns the limit off', () => {
    expect(() => createEngine({ config: sampleConfig(), udpErrorResponses: { perSecond: 0 } })).toThrow(
      expect.objectContaining({ code: 'GSLB_ENGINE_OPTIONS_INVALID', path: 'udpErrorResponses.perSecond' }),
    )
    const unlimited = createEngine({ config: sampleConfig(), udpErrorResponses: false })
    const notimp = query(ZONE, 'A', { opcode: 2 })
    for (let i = 0; i < 500; i++) expect(unlimited.answer(notimp, CLIENT)).not.toBeNull()
    void unlimited.close()
  })
})
