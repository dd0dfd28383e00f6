import { connect } from 'node:net'
import { DEFAULT_TCP_MAX_BYTES } from '../constants.js'
import type { MonitorOutcome, ResolvedTarget, TcpMonitor } from '../types.js'
import { down, fromAbort, fromError, onAbort, up } from './outcome.js'

/** Finds `expect` in the bytes read so far. Strings and bytes match anywhere; a RegExp runs on latin1 text. */
export function matches(buffer: Buffer, expect: string | Uint8Array | RegExp): boolean {
  if (expect instanceof RegExp) {
    expect.lastIndex = 0
    return expect.test(buffer.toString('latin1'))
  }
  return buffer.includes(
    typeof expect === 'string'
      ? Buffer.from(expect)
      : Buffer.from(expect.buffer, expect.byteOffset, expect.byteLength),
  )
}

/** Connects; optionally sends bytes and waits for `expect` within `maxBytes`. Closes the socket in every case. */
export function checkTcp(
  target: ResolvedTarget,
  monitor: TcpMonitor,
  signal: AbortSignal,
): Promise<MonitorOutcome> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(fromAbort(signal))
    const maxBytes = monitor.maxBytes ?? DEFAULT_TCP_MAX_BYTES
    const socket = connect({ host: target.address, port: target.port, noDelay: true })
    let received = Buffer.alloc(0)
    let settled = false
    const finish = (outcome: MonitorOutcome) => {
      if (settled) return
      settled = true
      dropAbort()
      socket.destroy()
      resolve(outcome)
    }
    const dropAbort = onAbort(signal, () => finish(fromAbort(signal)))
    socket.once('error', (error) => finish(fromError(error, signal)))
    socket.once('connect', () => {
      if (monitor.expect === undefined) {
        if (monitor.send === undefined) return finish(up('connected'))
        // Nothing to wait for but the bytes leaving: a polite QUIT should reach the peer before we close.
        socket.write(monitor.send, (error) =>
          finish(error ? fromError(error, signal) : up('connected and sent')),
        )
        return
      }
      if (monitor.send !== undefined) socket.write(monitor.send)
      socket.on('data', (chunk: Buffer) => {
        const room = maxBytes - received.length
        received = Buffer.concat([received, room < chunk.length ? chunk.subarray(0, room) : chunk])
        if (matches(received, monitor.expect!)) return finish(up(`matched within ${received.length} bytes`))
        if (received.length >= maxBytes) finish(down('mismatch', `no match within ${maxBytes} bytes`))
      })
      socket.once('end', () =>
        finish(down('mismatch', `peer closed after ${received.length} bytes without a match`)),
      )
    })
  })
}
