import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { freePort } from '../../../test/support/ports.js'
import { waitFor } from '../../../test/support/wait.js'
import { validateConfig } from '../src/config/validate.js'
import { createLogger } from '../src/log.js'
import { createNode } from '../src/node/node.js'
import type { Json } from './helpers.js'

/** Connects from `localAddress` and waits until the forwarder closes the connection. */
async function connectOnce(port: number, localAddress: string): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port, localAddress })
  socket.on('error', () => {})
  socket.resume()
  await new Promise((resolve) => socket.once('close', resolve))
}

// Regression (#14): the forwarder logged its own events through a logger the CLI gave it, and the CLI logged the
// same events again from the typed events ('listener error', 'connection rejected', 'backend connect failed'): two
// lines each at debug. The forwarder takes no logger now; the CLI writes one line per event.
test('each forwarder event is one log line, at every level', async () => {
  const before = activeResources()
  const lines: Json[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
      done()
    },
  })
  const config = validateConfig({
    node: { name: 'log-once' },
    services: {
      DEAD: {
        listen: [{ address: '127.0.0.1', port: 0 }],
        backends: [{ address: '127.0.0.1', port: await freePort() }],
        allow: ['127.0.0.1/32'],
      },
    },
    logging: { level: 'debug', format: 'json' },
  })
  const node = createNode({ config, logger: createLogger(config.logging, sink), adminListen: false })
  try {
    await node.start()
    const port = node.serviceAddresses('DEAD')[0]!.port
    await connectOnce(port, '127.0.0.1') // allowed; its only server refuses
    await connectOnce(port, '127.0.0.2') // not in the allow-list
    await waitFor(() => lines.some((line) => line.msg === 'connection closed'), {
      what: 'the connection logged',
    })
    await waitFor(() => lines.some((line) => line.msg === 'connection rejected'), {
      what: 'the rejection logged',
    })
    const count = (msg: string) => lines.filter((line) => line.msg === msg).length
    expect(count('backend connect failed')).toBe(1)
    expect(count('connection rejected')).toBe(1)
    expect(count('connection closed')).toBe(1)
  } finally {
    await node.close({ deadlineMs: 0 })
  }
  expect(await leakedSince(before)).toEqual({})
})
