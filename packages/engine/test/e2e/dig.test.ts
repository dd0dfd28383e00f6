import { requirePeer } from '../../../../test/support/peers.js'
import { createEngine, type Engine, type EngineConfig } from '../../src/index.js'
import { dig, ecsFromHex, kdig, kdigOpt } from './tools.js'

const ZONE = 'dicom.example.org'

function config(): EngineConfig {
  return {
    zones: {
      [ZONE]: {
        soa: { rname: 'hostmaster@example.org', serial: 7, minimum: 30, ttl: 600 },
        ns: [{ name: `ns1.${ZONE}`, addresses: ['192.0.2.53', '2001:db8::53'] }, 'ns.outside.example.net'],
        records: [
          { name: 'big', type: 'A', value: Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 1}`) },
          { name: 'www', type: 'CNAME', value: ZONE },
        ],
      },
    },
    pools: {
      geo: {
        method: 'topology',
        maxAnswers: 2,
        members: [
          { name: 'a', address: '10.1.0.1', datacenter: 'siteA' },
          { name: 'b', address: '10.2.0.1', datacenter: 'siteB' },
          { name: 'a6', address: '2001:db8:1::1', datacenter: 'siteA' },
          { name: 'b6', address: '2001:db8:2::1', datacenter: 'siteB' },
        ],
      },
      v4only: { members: [{ name: 'x', address: '10.9.0.1' }] },
    },
    names: { [ZONE]: { pool: 'geo' }, [`v4.${ZONE}`]: { pool: 'v4only', ttl: 9 } },
    topology: {
      datacenters: { siteA: ['10.1.0.0/16', '2001:db8:1::/48'], siteB: ['10.2.0.0/16', '2001:db8:2::/48'] },
      preferences: { siteA: ['siteB'], siteB: ['siteA'] },
    },
  }
}

let DIG: string
let KDIG: string
let engine: Engine
let port: number
let port6: number

beforeAll(async () => {
  DIG = requirePeer('dig', 'bind9-dnsutils')
  KDIG = requirePeer('kdig', 'knot-dnsutils')
  engine = createEngine({
    config: config(),
    listen: [
      { address: '127.0.0.1', port: 0 },
      { address: '::1', port: 0 },
    ],
  })
  await engine.start()
  ;[port, port6] = engine.addresses().map((listener) => listener.port) as [number, number]
})
afterAll(() => engine?.close())

describe('dig', () => {
  test('A answer with AA, no RA, TTL of the name; over IPv4 and ::1', async () => {
    for (const [server, p] of [
      ['127.0.0.1', port],
      ['::1', port6],
    ] as const) {
      const res = await dig(DIG, p, [`v4.${ZONE}`, 'A'], server)
      expect(res.status).toBe('NOERROR')
      expect(res.flags).toEqual(expect.arrayContaining(['qr', 'aa', 'rd']))
      expect(res.flags).not.toContain('ra')
      expect(res.answer).toEqual([{ name: `v4.${ZONE}.`, ttl: 9, type: 'A', data: '10.9.0.1' }])
    }
  })

  test('RD is copied: a +norec query gets a response without RD (and never RA)', async () => {
    const res = await dig(DIG, port, [`v4.${ZONE}`, 'A', '+norec'])
    expect(res.status).toBe('NOERROR')
    expect(res.flags).toContain('aa')
    expect(res.flags).not.toContain('rd')
    expect(res.flags).not.toContain('ra')
  })

  test('NXDOMAIN with the SOA in authority (TTL = min(SOA TTL, minimum))', async () => {
    const res = await dig(DIG, port, [`missing.${ZONE}`, 'A'])
    expect(res.status).toBe('NXDOMAIN')
    expect(res.flags).toContain('aa')
    expect(res.answer).toHaveLength(0)
    expect(res.authority).toHaveLength(1)
    expect(res.authority[0]).toMatchObject({ name: `${ZONE}.`, ttl: 30, type: 'SOA' })
    expect(res.authority[0]?.data).toBe(`ns1.${ZONE}. hostmaster.example.org. 7 14400 3600 1209600 30`)
  })

  test('NODATA: AAAA for a pool with only IPv4 members', async () => {
    const res = await dig(DIG, port, [`v4.${ZONE}`, 'AAAA'])
    expect(res.status).toBe('NOERROR')
    expect(res.flags).toContain('aa')
    expect(res.answer).toHaveLength(0)
    expect(res.authority[0]?.type).toBe('SOA')
  })

  test('REFUSED for names outside our zones', async () => {
    const res = await dig(DIG, port, ['www.example.com', 'A'])
    expect(res.status).toBe('REFUSED')
    expect(res.flags).not.toContain('aa')
  })

  test('NOTIMP for opcode STATUS', async () => {
    const res = await dig(DIG, port, [ZONE, '+opcode=status'])
    expect(res.opcode).toBe('STATUS')
    expect(res.status).toBe('NOTIMP')
  })

  test('regression (issue #12): error answers keep the question and the OPT, so dig does not suggest +noedns', async () => {
    const notify = await dig(DIG, port, [ZONE, 'SOA', '+opcode=notify'])
    expect(notify.status).toBe('NOTIMP')
    expect(notify.question[0]).toMatch(new RegExp(`^${ZONE}\\.\\s+IN\\s+SOA$`))
    expect(notify.ednsUdp).toBe(1232)
    expect(notify.warnings.join(' ')).not.toMatch(/noedns/)
    const ixfr = await dig(DIG, port, [ZONE, 'IXFR=1', '+notcp'])
    expect(ixfr.status).toBe('REFUSED')
    expect(ixfr.question[0]).toMatch(/IXFR$/)
    expect(ixfr.ednsUdp).toBe(1232)
  })

  test('EDNS: OPT echoed advertising 1232; none without EDNS; BADVERS for version 1', async () => {
    expect((await dig(DIG, port, [ZONE])).ednsUdp).toBe(1232)
    expect((await dig(DIG, port, [ZONE, '+noedns'])).ednsUdp).toBeUndefined()
    const badvers = await dig(DIG, port, [ZONE, '+edns=1', '+noednsnegotiation'])
    expect(badvers.status).toBe('BADVERS')
  })

  test('ECS: IPv4 and IPv6 subnets choose the site and return the scope', async () => {
    // a query with ECS came through a resolver that caches and may rotate records: its site's address only
    const v4 = await dig(DIG, port, [ZONE, 'A', '+subnet=10.2.3.0/24'])
    expect(v4.answer.map((r) => r.data)).toEqual(['10.2.0.1'])
    expect(v4.subnet).toBe('10.2.3.0/24/16')
    // 2001:db8::/56 is in no datacenter: one address for an unknown client, valid for the scope topology gives
    const v6 = await dig(DIG, port, [ZONE, 'AAAA', '+subnet=2001:db8::/56'])
    expect(v6.answer.map((r) => r.data)).toEqual(['2001:db8:1::1'])
    expect(v6.subnet).toMatch(/^2001:db8::\/56\/\d+$/)
    const v6b = await dig(DIG, port, [ZONE, 'AAAA', '+subnet=2001:db8:2::/56'])
    expect(v6b.answer.map((r) => r.data)).toEqual(['2001:db8:2::1'])
    expect(v6b.subnet).toBe('2001:db8:2::/56/48')
    const fixed = await dig(DIG, port, [`v4.${ZONE}`, 'A', '+subnet=10.2.3.0/24'])
    expect(fixed.subnet).toBe('10.2.3.0/24/0')
  })

  test('TCP', async () => {
    const res = await dig(DIG, port, [`big.${ZONE}`, 'A', '+tcp'])
    expect(res.status).toBe('NOERROR')
    expect(res.answer).toHaveLength(60)
  })

  test('TC=1 over UDP for a big answer with +bufsize=512 +ignore', async () => {
    const res = await dig(DIG, port, [`big.${ZONE}`, 'A', '+bufsize=512', '+ignore'])
    expect(res.flags).toContain('tc')
    expect(res.answer).toHaveLength(0)
  })

  test('the question is echoed in its case', async () => {
    const res = await dig(DIG, port, ['V4.DiCoM.Example.ORG', 'A'])
    expect(res.question[0]).toMatch(/^V4\.DiCoM\.Example\.ORG\.\s+IN\s+A$/)
    expect(res.answer.map((r) => r.data)).toEqual(['10.9.0.1'])
  })

  test('ANY is answered minimally with one RRset (RFC 8482)', async () => {
    const res = await dig(DIG, port, [`v4.${ZONE}`, 'ANY'])
    expect(res.status).toBe('NOERROR')
    expect(res.answer.map((r) => r.type)).toEqual(['A'])
  })

  test('SOA and NS at the apex, glue in additional; CNAME chased', async () => {
    const soa = await dig(DIG, port, [ZONE, 'SOA'])
    expect(soa.answer).toEqual([
      {
        name: `${ZONE}.`,
        ttl: 600,
        type: 'SOA',
        data: `ns1.${ZONE}. hostmaster.example.org. 7 14400 3600 1209600 30`,
      },
    ])
    const ns = await dig(DIG, port, [ZONE, 'NS'])
    expect(ns.flags).toContain('aa')
    expect(ns.answer.map((r) => r.data).sort()).toEqual([`ns.outside.example.net.`, `ns1.${ZONE}.`])
    expect(ns.additional.map((r) => `${r.name} ${r.type} ${r.data}`).sort()).toEqual([
      `ns1.${ZONE}. A 192.0.2.53`,
      `ns1.${ZONE}. AAAA 2001:db8::53`,
    ])
    const glue = await dig(DIG, port, [`ns1.${ZONE}`, 'A'])
    expect(glue.flags).toContain('aa')
    expect(glue.answer.map((r) => r.data)).toEqual(['192.0.2.53'])
    const cname = await dig(DIG, port, [`www.${ZONE}`, 'A', '+subnet=10.1.0.0/16'])
    expect(cname.answer.map((r) => r.type)).toEqual(['CNAME', 'A'])
    expect(cname.answer[1]?.data).toBe('10.1.0.1')
  })
})

describe('kdig (+json)', () => {
  test('A answer with AA; NXDOMAIN and NODATA with SOA; REFUSED', async () => {
    const a = await kdig(KDIG, port, [`v4.${ZONE}`, 'A'])
    expect(a).toMatchObject({ RCODE: 0, AA: 1, RA: 0, RD: 1 })
    expect(a.answerRRs?.map((r) => r.rdataA)).toEqual(['10.9.0.1'])
    const nx = await kdig(KDIG, port, [`missing.${ZONE}`, 'A'])
    expect(nx).toMatchObject({ RCODE: 3, AA: 1 })
    expect(nx.authorityRRs?.map((r) => [r.TYPEname, r.TTL])).toEqual([['SOA', 30]])
    const nodata = await kdig(KDIG, port, [`v4.${ZONE}`, 'AAAA'])
    expect(nodata).toMatchObject({ RCODE: 0, AA: 1 })
    expect(nodata.answerRRs ?? []).toHaveLength(0)
    expect(nodata.authorityRRs?.[0]?.TYPEname).toBe('SOA')
    expect((await kdig(KDIG, port, ['example.net', 'A'])).RCODE).toBe(5)
  })

  test('NOTIMP for a NOTIFY', async () => {
    const res = await kdig(KDIG, port, [ZONE, 'NOTIFY'])
    expect(res).toMatchObject({ Opcode: 4, RCODE: 4 })
  })

  test('EDNS: 1232 advertised; BADVERS in the extended rcode for version 1', async () => {
    expect(kdigOpt(await kdig(KDIG, port, [ZONE, '+edns']))?.CLASS).toBe(1232)
    expect(kdigOpt(await kdig(KDIG, port, [ZONE]))).toBeUndefined()
    const badvers = await kdig(KDIG, port, [ZONE, '+edns=1'])
    const opt = kdigOpt(badvers)
    expect(((opt!.TTL >>> 24) << 4) | badvers.RCODE).toBe(16)
  })

  test('ECS with returned scope, IPv4 and IPv6', async () => {
    const v4 = await kdig(KDIG, port, [ZONE, 'A', '+subnet=10.2.3.0/24'])
    expect(v4.answerRRs?.[0]?.rdataA).toBe('10.2.0.1')
    expect(ecsFromHex(kdigOpt(v4)?.RDATAHEX)).toEqual({ family: 1, source: 24, scope: 16 })
    const v6 = await kdig(KDIG, port, [ZONE, 'AAAA', '+subnet=2001:db8:1::/56'])
    expect(v6.answerRRs?.[0]?.rdataAAAA).toBe('2001:db8:1::1')
    expect(ecsFromHex(kdigOpt(v6)?.RDATAHEX)).toEqual({ family: 2, source: 56, scope: 48 })
  })

  test('TCP, TC=1 with a small buffer, mixed case, ANY, apex NS with glue', async () => {
    expect((await kdig(KDIG, port, [`big.${ZONE}`, 'A', '+tcp'])).answerRRs).toHaveLength(60)
    const tc = await kdig(KDIG, port, [`big.${ZONE}`, 'A', '+bufsize=512', '+ignore'])
    expect(tc.TC).toBe(1)
    // kdig prints names in lower case, so the case echo is checked with dig above; the match is case-insensitive
    expect((await kdig(KDIG, port, ['V4.DICOM.example.ORG', 'A'])).answerRRs?.[0]?.rdataA).toBe('10.9.0.1')
    expect((await kdig(KDIG, port, [`v4.${ZONE}`, 'ANY'])).answerRRs?.map((r) => r.TYPEname)).toEqual(['A'])
    const ns = await kdig(KDIG, port, [ZONE, 'NS'])
    expect(ns.AA).toBe(1)
    expect(ns.answerRRs).toHaveLength(2)
    expect(
      ns.additionalRRs
        ?.filter((r) => r.TYPE !== 41)
        .map((r) => r.rdataA ?? r.rdataAAAA)
        .sort(),
    ).toEqual(['192.0.2.53', '2001:db8::53'])
  })
})
