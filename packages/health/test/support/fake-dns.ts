import { createSocket } from 'node:dgram'

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const

export interface FakeAnswer {
  rcode: keyof typeof RCODE
  addresses?: string[]
}

/** Reads the question name and where the question ends (no compression in queries). */
function question(query: Buffer): { name: string; end: number } {
  const labels: string[] = []
  let offset = 12
  for (let guard = 0; guard < 128; guard++) {
    const length = query[offset]!
    offset += 1
    if (length === 0) break
    labels.push(query.subarray(offset, offset + length).toString('ascii'))
    offset += length
  }
  return { name: labels.join('.').toLowerCase(), end: offset + 4 }
}

/** Builds a response: the question copied, then A records for `addresses`. */
function respond(query: Buffer, answer: FakeAnswer): Buffer {
  const { end } = question(query)
  const header = Buffer.alloc(12)
  query.copy(header, 0, 0, 2)
  header.writeUInt16BE(0x8180 | RCODE[answer.rcode], 2)
  header.writeUInt16BE(1, 4)
  const records = (answer.addresses ?? []).map((address) => {
    const record = Buffer.alloc(16)
    record.writeUInt16BE(0xc00c, 0)
    record.writeUInt16BE(1, 2)
    record.writeUInt16BE(1, 4)
    record.writeUInt32BE(60, 6)
    record.writeUInt16BE(4, 10)
    address.split('.').forEach((octet, i) => {
      record.writeUInt8(Number(octet), 12 + i)
    })
    return record
  })
  header.writeUInt16BE(records.length, 6)
  return Buffer.concat([header, query.subarray(12, end), ...records])
}

/** A tiny UDP DNS server on `host` (default 127.0.0.1) answering from `zone` (name → answer); unknown names get no reply. */
export async function fakeDns(
  zone: Record<string, FakeAnswer>,
  host = '127.0.0.1',
): Promise<{ port: number; queries: string[]; close(): Promise<void> }> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  const queries: string[] = []
  socket.on('message', (message, remote) => {
    if (message.length < 17) return
    const { name } = question(message)
    queries.push(name)
    const answer = zone[name]
    if (answer !== undefined) socket.send(respond(message, answer), remote.port, remote.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, host, resolve))
  return {
    port: socket.address().port,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
