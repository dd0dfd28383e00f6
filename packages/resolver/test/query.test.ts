import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { closedPort } from '../../../test/support/ports.js'
import { query } from '../src/client.js'
import { parseNameserver } from '../src/nameserver.js'
import { type FakeNameserver, type Script, startFakeNameserver } from './support/fake-nameserver.js'

describe('query() — one question, one nameserver, one try', () => {
  let ns: FakeNameserver
  beforeEach(async () => {
    ns = await startFakeNameserver()
  })
  afterEach(async () => {
    await ns.close()
  })
  const ask = (type: 'A' | 'AAAA' = 'A', timeout = 300, server = ns.address) =>
    query(parseNameserver(server, 'ns'), 'dicom.example', type, { timeoutMs: timeout, maxAddresses: 64 })

  it('returns the addresses and the smallest TTL, in answer order, deduplicated', async () => {
    ns.respond = () => ({ addresses: ['10.0.0.2', '10.0.0.1', '10.0.0.2'], ttl: 42 })
    await expect(ask()).resolves.toEqual({ kind: 'answer', addresses: ['10.0.0.2', '10.0.0.1'], ttl: 42 })
    expect(ns.queries).toEqual([
      expect.objectContaining({ name: 'dicom.example', type: 'A', transport: 'udp', edns: true }),
    ])
  })

  it('follows a CNAME inside the answer and takes the smaller TTL', async () => {
    ns.respond = () => ({ cname: 'site-a.example', addresses: ['10.1.0.1'], ttl: 30 })
    await expect(ask()).resolves.toEqual({ kind: 'answer', addresses: ['10.1.0.1'], ttl: 30 })
  })

  it('chases a CNAME the server did not follow, with another query to the same nameserver', async () => {
    ns.respond = (q) =>
      q.name === 'dicom.example' ? { cname: 'site-b.example', ttl: 20 } : { addresses: ['10.2.0.1'], ttl: 50 }
    await expect(ask()).resolves.toEqual({ kind: 'answer', addresses: ['10.2.0.1'], ttl: 20 })
    expect(ns.queries.map((q) => q.name)).toEqual(['dicom.example', 'site-b.example'])
  })

  it('stops a CNAME loop with a clear error', async () => {
    ns.respond = (q) => ({ cname: q.name === 'dicom.example' ? 'loop.example' : 'dicom.example' })
    await expect(ask()).rejects.toMatchObject({
      code: 'GSLB_RESOLVER_BAD_RESPONSE',
      message: expect.stringContaining('looping'),
    })
    expect(ns.count()).toBe(2)
  })

  it('tells NXDOMAIN from an empty answer', async () => {
    ns.respond = () => ({ rcode: 'NXDOMAIN' })
    await expect(ask()).resolves.toEqual({ kind: 'nxdomain' })
    ns.respond = () => ({ addresses: ['10.0.0.1'] })
    await expect(ask('AAAA')).resolves.toEqual({ kind: 'nodata' })
  })

  it.each<[string, (q: { name: string }) => Script]>([
    ['another owner name', () => ({ owner: 'other.example', addresses: ['10.0.0.1'] })],
    [
      'another owner name at the end of a chased CNAME',
      (q) =>
        q.name === 'dicom.example'
          ? { cname: 'site-a.example' }
          : { owner: 'other.example', addresses: ['10.0.0.1'] },
    ],
  ])('issue #12 regression: an answer for %s is a bad reply, not NODATA', async (_, respond) => {
    ns.respond = respond
    await expect(ask()).rejects.toMatchObject({
      code: 'GSLB_RESOLVER_BAD_RESPONSE',
      nameserver: ns.address,
      message: expect.stringContaining('no A or CNAME record for it among'),
    })
  })

  it.each([
    ['SERVFAIL', 'GSLB_RESOLVER_SERVFAIL'],
    ['REFUSED', 'GSLB_RESOLVER_REFUSED'],
  ] as const)('%s becomes %s', async (rcode, code) => {
    ns.respond = () => ({ rcode })
    await expect(ask()).rejects.toMatchObject({ code, nameserver: ns.address })
  })

  it('times out on silence, within the per-try timeout', async () => {
    ns.respond = () => ({ silence: true })
    const started = Date.now()
    await expect(ask('A', 150)).rejects.toMatchObject({ code: 'GSLB_RESOLVER_TIMEOUT' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('reports a closed port as connection refused, without waiting for the timeout', async () => {
    const started = Date.now()
    await expect(ask('A', 2_000, await closedPort())).rejects.toMatchObject({
      code: 'GSLB_RESOLVER_CONNECTION_REFUSED',
    })
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('retries over TCP when the UDP reply is truncated', async () => {
    ns.respond = () => ({ truncate: true, addresses: ['10.0.0.7'] })
    await expect(ask()).resolves.toMatchObject({ addresses: ['10.0.0.7'] })
    expect(ns.queries.map((q) => q.transport)).toEqual(['udp', 'tcp'])
  })

  it.each<[string, Script['tcp'], string]>([
    ['a reply with the wrong ID', 'wrong-id', 'GSLB_RESOLVER_BAD_RESPONSE'],
    ['a connection closed without a reply', 'close', 'GSLB_RESOLVER_BAD_RESPONSE'],
    ['a reply truncated again', 'truncated-again', 'GSLB_RESOLVER_BAD_RESPONSE'],
    ['silence', 'silence', 'GSLB_RESOLVER_TIMEOUT'],
    ['a 64 KiB length prefix and then nothing', 'huge-length', 'GSLB_RESOLVER_TIMEOUT'],
  ])('after truncation, TCP with %s fails cleanly', async (_, tcp, code) => {
    ns.respond = () => ({ truncate: true, tcp, addresses: ['10.0.0.7'] })
    const before = activeResources()
    await expect(ask('A', 150)).rejects.toMatchObject({ code, nameserver: ns.address })
    expect(await leakedSince(before)).toEqual({})
  })

  it('ignores garbage datagrams before the real reply', async () => {
    const garbage = [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(12, 0xff), Buffer.alloc(2_000, 0x41)]
    ns.respond = () => ({ garbage, delay: 20, addresses: ['10.0.0.1'] })
    const ignored: string[] = []
    await expect(
      query(parseNameserver(ns.address, 'ns'), 'dicom.example', 'A', {
        timeoutMs: 500,
        maxAddresses: 64,
        hooks: { ignored: (why) => ignored.push(why) },
      }),
    ).resolves.toMatchObject({ addresses: ['10.0.0.1'] })
    expect(ignored).toHaveLength(4)
  })

  it.each(['id', 'question'] as const)(
    'ignores a forged reply with the wrong %s and takes the real one',
    async (spoof) => {
      ns.respond = () => ({ spoof, delay: 30, addresses: ['10.0.0.1'] })
      const ignored: string[] = []
      const result = await query(parseNameserver(ns.address, 'ns'), 'dicom.example', 'A', {
        timeoutMs: 500,
        maxAddresses: 64,
        hooks: { ignored: (why) => ignored.push(why) },
      })
      expect(result).toMatchObject({ addresses: ['10.0.0.1'] })
      expect(ignored).toEqual([spoof === 'id' ? 'wrong ID' : 'question does not match'])
    },
  )

  it('asks again without EDNS when the server answers FORMERR', async () => {
    ns.respond = (q) => (q.edns ? { rcode: 'FORMERR' } : { addresses: ['10.0.0.3'] })
    await expect(ask()).resolves.toMatchObject({ addresses: ['10.0.0.3'] })
    expect(ns.queries.map((q) => q.edns)).toEqual([true, false])
  })

  it('uses a fresh socket (source port) for every query and leaves nothing open', async () => {
    const before = activeResources()
    ns.respond = () => ({ addresses: ['10.0.0.1'] })
    for (let i = 0; i < 5; i++) await ask()
    expect(new Set(ns.queries.map((q) => q.port)).size).toBeGreaterThanOrEqual(4) // the kernel may reuse one
    expect(await leakedSince(before)).toEqual({})
  })

  it('speaks to an IPv6 nameserver in [::1]:port form', async () => {
    const v6 = await startFakeNameserver('::1', () => ({ addresses: ['2001:db8::1'] }))
    try {
      await expect(ask('AAAA', 300, v6.address)).resolves.toMatchObject({ addresses: ['2001:db8::1'] })
    } finally {
      await v6.close()
    }
  })
})
