import { requirePeer } from '../../../../test/support/peers.js'
import { startUnbound, type Unbound } from '../../../../test/support/unbound.js'
import { createHealthChecker } from '../../src/index.js'
import { checkOnce } from '../support/once.js'

const ZONE = 'pacs.example'

describe('dns monitor against Debian unbound (watching the primary DNS)', () => {
  let unbound: Unbound

  beforeAll(async () => {
    const binary = requirePeer('unbound', 'unbound')
    unbound = await startUnbound(binary, ZONE, [
      `dicom.${ZONE}. 5 IN A 10.9.0.1`,
      `dicom.${ZONE}. 5 IN A 10.9.0.2`,
    ])
  })

  afterAll(async () => {
    await unbound?.dispose()
  })

  test('an answer containing the expected address is up; another address is a mismatch', async () => {
    const target = { address: '127.0.0.1', port: unbound.port }
    const up = await checkOnce({
      ...target,
      monitor: { type: 'dns', name: `dicom.${ZONE}`, expectAddress: '10.9.0.2' },
    })
    expect(up).toMatchObject({ ok: true })
    expect(up.message).toMatch(/^NOERROR → /)
    const miss = await checkOnce({
      ...target,
      monitor: { type: 'dns', name: `dicom.${ZONE}`, expectAddress: '10.9.0.3' },
    })
    expect(miss).toMatchObject({ ok: false, code: 'mismatch' })
  })

  test("unbound's NXDOMAIN and NOERROR/no-data are told apart", async () => {
    const target = { address: '127.0.0.1', port: unbound.port }
    const nx = await checkOnce({ ...target, monitor: { type: 'dns', name: `missing.${ZONE}` } })
    expect(nx).toMatchObject({ ok: false, code: 'rcode', message: 'NXDOMAIN (expected NOERROR)' })
    const nodata = await checkOnce({
      ...target,
      monitor: { type: 'dns', name: `dicom.${ZONE}`, rrtype: 'AAAA' },
    })
    expect(nodata).toMatchObject({ ok: true, message: 'NOERROR' })
  })

  test('the target goes down when unbound stops answering', async () => {
    const health = createHealthChecker()
    health.add({
      id: 'primary-dns',
      address: '127.0.0.1',
      port: unbound.port,
      intervalMs: 400,
      timeoutMs: 200,
      fall: 2,
      fastIntervalMs: 100,
      monitor: { type: 'dns', name: `dicom.${ZONE}` },
    })
    try {
      expect(await health.checkNow('primary-dns')).toMatchObject({ ok: true })
      health.start()
      await unbound.dispose()
      for (let i = 0; i < 100 && health.get('primary-dns')?.observed !== 'down'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(health.get('primary-dns')).toMatchObject({ observed: 'down', lastCheck: { ok: false } })
    } finally {
      await health.close({ deadlineMs: 0 })
    }
  })
})
