import { createServer, type Server, type Socket } from 'node:net'

/** A raw TCP peer on loopback that behaves as `onSocket` says; tracks and destroys its sockets. */
export interface RawPeer {
  port: number
  sockets: Set<Socket>
  close(): Promise<void>
}

export async function rawPeer(onSocket: (socket: Socket) => void): Promise<RawPeer> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    onSocket(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return {
    port: address.port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

export { prng } from '../../../test/support/prng.js'

export function randomBytes(random: () => number, length: number): Buffer {
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256)
  return out
}

/** Resolves once `count` events were collected (bounded by `timeoutMs`). */
export function collect<T>(
  subscribe: (listener: (value: T) => void) => void,
  count: number,
  timeoutMs = 2_000,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const values: T[] = []
    const timer = setTimeout(() => reject(new Error(`only ${values.length} of ${count} events`)), timeoutMs)
    subscribe((value) => {
      values.push(value)
      if (values.length === count) {
        clearTimeout(timer)
        resolve(values)
      }
    })
  })
}
