import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { fakeDns } from './support/fake-dns.js'
import { checkOnce } from './support/once.js'

const address = '127.0.0.1'

describe('dns monitor', () => {
  let before: Record<string, number>
  let server: Awaited<ReturnType<typeof fakeDns>>
  beforeEach(async () => {
    before = activeResources()
    server = await fakeDns({
      'up.test': { rcode: 'NOERROR', addresses: ['192.0.2.1', '192.0.2.2'] },
      'empty.test': { rcode: 'NOERROR' },
      'nx.test': { rcode: 'NXDOMAIN' },
      'fail.test': { rcode: 'SERVFAIL' },
      'refused.test': { rcode: 'REFUSED' },
    })
  })
  afterEach(async () => {
    await server.close()
    expect(await leakedSince(before)).toEqual({})
  })

  test('NOERROR with addresses is up; expectAddress must be among them', async () => {
    const port = server.port
    const up = await checkOnce({ address, port, monitor: { type: 'dns', name: 'up.test' } })
    expect(up).toMatchObject({ ok: true, message: 'NOERROR → 192.0.2.1, 192.0.2.2' })
    const match = await checkOnce({
      address,
      port,
      monitor: { type: 'dns', name: 'up.test', expectAddress: '192.0.2.2' },
    })
    expect(match.ok).toBe(true)
    const miss = await checkOnce({
      address,
      port,
      monitor: { type: 'dns', name: 'up.test', expectAddress: '192.0.2.9' },
    })
    expect(miss).toMatchObject({ ok: false, code: 'mismatch' })
    expect(server.queries).toEqual(['up.test', 'up.test', 'up.test'])
  })

  test('response codes map from c-ares errors and are compared with expectRcode', async () => {
    const port = server.port
    const cases = [
      ['nx.test', 'NXDOMAIN'],
      ['fail.test', 'SERVFAIL'],
      ['refused.test', 'REFUSED'],
      ['empty.test', 'NOERROR'],
    ] as const
    for (const [name, rcode] of cases) {
      const expected = await checkOnce({ address, port, monitor: { type: 'dns', name, expectRcode: rcode } })
      expect({ name, ok: expected.ok }).toEqual({ name, ok: true })
    }
    const unexpected = await checkOnce({ address, port, monitor: { type: 'dns', name: 'nx.test' } })
    expect(unexpected).toMatchObject({ ok: false, code: 'rcode', message: 'NXDOMAIN (expected NOERROR)' })
  })

  test('a server that does not answer times out after one try', async () => {
    const result = await checkOnce({
      address,
      port: server.port,
      timeoutMs: 300,
      monitor: { type: 'dns', name: 'silent.test' },
    })
    expect(result).toMatchObject({ ok: false, code: 'timeout' })
    expect(server.queries.filter((q) => q === 'silent.test')).toHaveLength(1)
  })
})
