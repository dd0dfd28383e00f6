import dgram from 'node:dgram'
import net from 'node:net'

/** Sends one datagram and resolves with the first reply, or undefined after `timeoutMs`. */
export function udpExchange(
  host: string,
  port: number,
  query: Uint8Array,
  timeoutMs = 1000,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4')
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer)
      socket.close()
      resolve(reply)
    }
    socket.on('message', (msg) => finish(msg))
    socket.on('error', (err) => {
      clearTimeout(timer)
      socket.close()
      reject(err)
    })
    socket.send(query, port, host)
  })
}

export function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(2 + message.length)
  out.writeUInt16BE(message.length, 0)
  out.set(message, 2)
  return out
}

/** Reads length-prefixed messages from a TCP stream. */
export class FrameReader {
  private pending = Buffer.alloc(0)
  readonly messages: Buffer[] = []

  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk])
    while (this.pending.length >= 2) {
      const length = this.pending.readUInt16BE(0)
      if (this.pending.length < 2 + length) return
      this.messages.push(this.pending.subarray(2, 2 + length))
      this.pending = this.pending.subarray(2 + length)
    }
  }
}

/**
 * Connects, writes `bytes`, collects `expected` framed replies (or whatever came before close/timeout). With
 * `halfClose` the client sends FIN after writing: the server answers what it got, then closes.
 */
export function tcpExchange(
  host: string,
  port: number,
  bytes: Uint8Array,
  expected: number,
  timeoutMs = 2000,
  halfClose = false,
): Promise<{ messages: Buffer[]; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const reader = new FrameReader()
    const socket = net.connect({ host, port })
    let closedByServer = false
    const timer = setTimeout(() => socket.destroy(), timeoutMs)
    socket.on('connect', () => {
      socket.write(bytes)
      if (halfClose) socket.end()
    })
    socket.on('data', (chunk) => {
      reader.push(chunk)
      if (reader.messages.length >= expected) socket.destroy()
    })
    socket.on('end', () => {
      closedByServer = true
    })
    socket.on('error', () => {
      closedByServer = true
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ messages: reader.messages, closedByServer })
    })
  })
}
