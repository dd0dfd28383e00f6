import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { freePort } from '../../../test/support/ports.js'
import { checkOnce } from './support/once.js'
import { tcpServer } from './support/servers.js'

const address = '127.0.0.1'

describe('tcp monitor', () => {
  let before: Record<string, number>
  beforeEach(() => {
    before = activeResources()
  })
  afterEach(async () => {
    expect(await leakedSince(before)).toEqual({})
  })

  test('a connect is enough without expect', async () => {
    const server = await tcpServer(() => {})
    const result = await checkOnce({ address, port: server.port, monitor: { type: 'tcp' } })
    await server.close()
    expect(result).toMatchObject({ ok: true, code: 'ok', message: 'connected' })
  })

  test('a closed port is refused', async () => {
    const port = await freePort()
    const result = await checkOnce({ address, port, monitor: { type: 'tcp' } })
    expect(result).toMatchObject({ ok: false, code: 'refused' })
    expect(result.message).toMatch(/ECONNREFUSED/)
  })

  test('a listener that accepts and never answers times out when a reply is expected', async () => {
    const server = await tcpServer(() => {})
    const result = await checkOnce({
      address,
      port: server.port,
      timeoutMs: 200,
      monitor: { type: 'tcp', expect: 'OK' },
    })
    await server.close()
    expect(result).toMatchObject({ ok: false, code: 'timeout' })
    expect(result.durationMs).toBeGreaterThanOrEqual(190)
  })

  test('a listener that resets fails with code reset', async () => {
    const server = await tcpServer((socket) => socket.resetAndDestroy())
    const result = await checkOnce({
      address,
      port: server.port,
      monitor: { type: 'tcp', send: 'PING\r\n', expect: 'PONG' },
    })
    await server.close()
    expect(result).toMatchObject({ ok: false, code: 'reset' })
    expect(result.message).toMatch(/ECONNRESET/)
  })

  test('send then expect a string, bytes or a RegExp', async () => {
    const server = await tcpServer((socket) => {
      socket.once('data', (data) => {
        if (data.toString() === 'PING\r\n') socket.write('+PO')
        setTimeout(() => socket.write('NG v1.2\r\n'), 5)
      })
    })
    const port = server.port
    const text = await checkOnce({
      address,
      port,
      monitor: { type: 'tcp', send: 'PING\r\n', expect: '+PONG' },
    })
    const bytes = await checkOnce({
      address,
      port,
      monitor: {
        type: 'tcp',
        send: Buffer.from('PING\r\n'),
        expect: Uint8Array.from([0x50, 0x4f, 0x4e, 0x47]),
      },
    })
    const regex = await checkOnce({
      address,
      port,
      monitor: { type: 'tcp', send: 'PING\r\n', expect: /PONG v\d+\.\d+/ },
    })
    const wrong = await checkOnce({
      address,
      port,
      timeoutMs: 200,
      monitor: { type: 'tcp', send: 'PING\r\n', expect: /PONG v9/ },
    })
    await server.close()
    expect([text.ok, bytes.ok, regex.ok]).toEqual([true, true, true])
    expect(wrong).toMatchObject({ ok: false, code: 'timeout' })
  })

  test('send without expect writes the bytes before closing', async () => {
    const received: string[] = []
    const server = await tcpServer((socket) => {
      let text = ''
      socket.on('data', (chunk) => {
        text += chunk.toString()
      })
      socket.on('close', () => received.push(text))
    })
    const result = await checkOnce({ address, port: server.port, monitor: { type: 'tcp', send: 'QUIT\r\n' } })
    for (let i = 0; i < 100 && received.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 5))
    await server.close()
    expect(result).toMatchObject({ ok: true, message: 'connected and sent' })
    expect(received).toEqual(['QUIT\r\n'])
  })

  test('stops reading at maxBytes and fails with mismatch', async () => {
    const server = await tcpServer((socket) => {
      socket.write('x'.repeat(100))
      socket.write('OK')
    })
    const result = await checkOnce({
      address,
      port: server.port,
      monitor: { type: 'tcp', expect: 'OK', maxBytes: 50 },
    })
    await server.close()
    expect(result).toMatchObject({ ok: false, code: 'mismatch', message: 'no match within 50 bytes' })
  })

  test('a peer that closes without the expected bytes fails with mismatch', async () => {
    const server = await tcpServer((socket) => socket.end('HELLO'))
    const result = await checkOnce({ address, port: server.port, monitor: { type: 'tcp', expect: 'OK' } })
    await server.close()
    expect(result).toMatchObject({ ok: false, code: 'mismatch' })
  })
})
