import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'
import { createForwarder, type Forwarder, type ForwarderOptions, type ServiceConfig } from '../src/index.js'
import type { AddressSource } from '../src/types.js'

/** 1 MiB of random bytes; payloads are slices of it at varying offsets so every chunk differs. */
export const POOL = randomBytes(1_048_576)

export interface Backend {
  server: Server
  port: number
  sockets: Set<Socket>
  close(): Promise<void>
}

/** Starts a TCP server on loopback port 0 (or a given port); `handler` gets each connection. */
export async function startBackend(
  handler: (socket: Socket) => void,
  options: { host?: string; port?: number } = {},
): Promise<Backend> {
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    handler(socket)
  })
  server.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 })
  await once(server, 'listening')
  return {
    server,
    port: (server.address() as AddressInfo).port,
    sockets,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Echoes every byte back and ends when the client ends. */
export function echo(socket: Socket): void {
  socket.pipe(socket)
}

/**
 * Upload/download peer: reads until the client's FIN, then replies with `sha256(received)` followed by
 * `replySize` bytes (the first 4 bytes the client sent) and the sha256 of those bytes, then ends.
 */
export function hashThenReply(socket: Socket): void {
  const hash = createHash('sha256')
  let header: Buffer | null = null
  let pending = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    if (header === null) {
      pending = Buffer.concat([pending, chunk])
      if (pending.length < 4) return
      header = pending.subarray(0, 4)
      hash.update(pending.subarray(4))
      return
    }
    hash.update(chunk)
  })
  socket.on('end', () => {
    const replySize = header === null ? 0 : header.readUInt32BE(0)
    socket.write(hash.digest())
    const out = createHash('sha256')
    writePayload(socket, replySize, 7, out).then(
      () => socket.end(out.digest()),
      () => socket.destroy(),
    )
  })
}

/** Writes `size` bytes from POOL with backpressure, feeding `hash`. */
export async function writePayload(
  socket: Socket,
  size: number,
  seed: number,
  hash: ReturnType<typeof createHash>,
) {
  let left = size
  let offset = (seed * 7919) % POOL.length
  while (left > 0) {
    const length = Math.min(left, 65_536, POOL.length - offset)
    const chunk = POOL.subarray(offset, offset + length)
    hash.update(chunk)
    left -= length
    offset = (offset + length * 3 + 1) % (POOL.length - 1)
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error)
        socket.once('error', onError)
        socket.once('drain', () => {
          socket.off('error', onError)
          resolve()
        })
      })
    }
  }
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest()
}

export function connectTo(port: number, host = '127.0.0.1', localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, allowHalfOpen: true, ...(localAddress ? { localAddress } : {}) })
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** Reads everything until the peer ends (then ends too) or resets; resolves with the bytes and whether it closed with an error. */
export function readAll(socket: Socket): Promise<{ data: Buffer; error: Error | null }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let error: Error | null = null
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // the peer is done: finish our side too so an allowHalfOpen socket closes
    socket.on('end', () => socket.end())
    socket.on('error', (err) => {
      error = err
    })
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), error }))
  })
}

/** Starts a forwarder whose services listen on 127.0.0.1:0 unless they say otherwise; returns the first port. */
export async function startForwarder(
  services: Array<Omit<ServiceConfig, 'listen'> & { listen?: ServiceConfig['listen'] }>,
  options: Omit<ForwarderOptions, 'services'> = {},
): Promise<{ forwarder: Forwarder; port: number; portOf(name: string): number }> {
  const forwarder = createForwarder({
    ...options,
    services: services.map((service) => ({ listen: ['127.0.0.1:0'], ...service })),
  })
  await forwarder.start()
  const portOf = (name: string) => forwarder.addresses(name)[0]!.port
  return { forwarder, port: portOf(services[0]!.name), portOf }
}

/** A scripted AddressSource for tests. */
export class FakeAddressSource implements AddressSource {
  readonly current = new Map<string, readonly string[]>()
  readonly tracked = new Set<string>()
  readonly resolveCalls: string[] = []
  private readonly listeners = new Set<(name: string, addresses: readonly string[]) => void>()

  addresses(name: string): readonly string[] {
    return this.current.get(name) ?? []
  }
  subscribe(listener: (name: string, addresses: readonly string[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  async resolveNow(name: string): Promise<unknown> {
    this.resolveCalls.push(name)
    return this.addresses(name)
  }
  track(name: string): void {
    this.tracked.add(name)
  }
  untrack(name: string): void {
    this.tracked.delete(name)
  }
  set(name: string, addresses: readonly string[]): void {
    this.current.set(name, Object.freeze([...addresses]))
    for (const listener of this.listeners) listener(name, this.addresses(name))
  }
  get subscribers(): number {
    return this.listeners.size
  }
}
