import { createVerificationServer } from '@gslb/dicom'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { freePort } from '../../../test/support/ports.js'
import { checkOnce } from './support/once.js'
import { tcpServer } from './support/servers.js'

const address = '127.0.0.1'

describe('dicom monitor (against @gslb/dicom verification server)', () => {
  let before: Record<string, number>
  beforeEach(() => {
    before = activeResources()
  })
  afterEach(async () => {
    expect(await leakedSince(before)).toEqual({})
  })

  test('a C-ECHO accepted by the server is up', async () => {
    const server = createVerificationServer({
      aeTitle: 'PACS_A',
      port: 0,
      host: address,
      acceptCalledAE: false,
    })
    await server.start()
    const { port } = server.address()!
    try {
      const result = await checkOnce({
        address,
        port,
        monitor: { type: 'dicom', callingAE: 'GSLB_TEST', calledAE: 'PACS_A' },
      })
      expect(result).toMatchObject({ ok: true, code: 'ok' })
      expect(result.message).toMatch(/^C-ECHO ok in \d+ ms$/)
    } finally {
      await server.close()
    }
  })

  test('a rejected called AE title is down at the associate stage', async () => {
    const server = createVerificationServer({
      aeTitle: 'PACS_A',
      port: 0,
      host: address,
      acceptCalledAE: false,
    })
    await server.start()
    const { port } = server.address()!
    try {
      const result = await checkOnce({ address, port, monitor: { type: 'dicom', calledAE: 'SOMEONE_ELSE' } })
      expect(result).toMatchObject({ ok: false, code: 'dicom-associate' })
    } finally {
      await server.close()
    }
  })

  test('a closed port is down at the tcp stage', async () => {
    const port = await freePort()
    const result = await checkOnce({ address, port, monitor: { type: 'dicom' } })
    expect(result).toMatchObject({ ok: false, code: 'dicom-tcp' })
  })

  test('a listener that accepts and never answers times out', async () => {
    const server = await tcpServer(() => {})
    try {
      const result = await checkOnce({
        address,
        port: server.port,
        timeoutMs: 200,
        monitor: { type: 'dicom' },
      })
      expect(result).toMatchObject({ ok: false, code: 'timeout' })
      expect(result.durationMs).toBeLessThan(1_000)
    } finally {
      await server.close()
    }
  })
})
