import dgram from 'node:dgram'
import net from 'node:net'
import * as packet from 'dns-packet'

/** What the fake nameserver does with one query. */
export interface Script {
  /** Ignore the query. */
  silence?: boolean
  /** Wait this long before answering. */
  delay?: number
  rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR'
  /** Address records for the question's name and type. */
  addresses?: readonly string[]
  ttl?: number
  /** CNAME the question's name to this target first; `addresses` then belong to the target. */
  cname?: string
  /** Owner name of the address records instead of the question's name (or the CNAME target): a bogus reply. */
  owner?: string
  /** Over UDP: answer with TC=1 and no records (TCP then gets the full answer). */
  truncate?: boolean
  /** Over UDP: first send a forged reply (wrong ID or wrong question) carrying `spoofAddress`. */
  spoof?: 'id' | 'question'
  spoofAddress?: string
  /** Over TCP: misbehave instead of answering. */
  tcp?: 'wrong-id' | 'close' | 'silence' | 'huge-length' | 'truncated-again'
  /** Over UDP: send these raw bytes first (garbage the client must ignore). */
  garbage?: readonly Buffer[]
}

export interface SeenQuery {
  name: string
  type: string
  transport: 'udp' | 'tcp'
  port: number
  edns: boolean
}

export type Responder = (query: SeenQuery) => Script

export interface FakeNameserver {
  /** `host:port`, `[::1]:port` for IPv6. */
  readonly address: string
  readonly port: number
  readonly queries: SeenQuery[]
  respond: Responder
  count(filter?: (q: SeenQuery) => boolean): number
  close(): Promise<void>
}

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const

/** A scriptable DNS server on loopback (UDP and TCP on one port 0), for the hard cases. */
export async function startFakeNameserver(
  host = '127.0.0.1',
  respond: Responder = () => ({}),
): Promise<FakeNameserver> {
  const timers = new Set<NodeJS.Timeout>()
  const sockets = new Set<net.Socket>()
  const queries: SeenQuery[] = []
  const { udp, tcp, port } = await bindPair(host)

  const server: FakeNameserver = {
    address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    port,
    queries,
    respond,
    count: (filter) => (filter ? queries.filter(filter).length : queries.length),
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ])
    },
  }

  const later = (delay: number | undefined, fn: () => void) => {
    if (!delay) return fn()
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, delay)
    timers.add(timer)
  }

  udp.on('message', (msg, rinfo) => {
    const request = packet.decode(msg)
    const seen = describe(request, 'udp', rinfo.port)
    queries.push(seen)
    const script = server.respond(seen)
    if (script.silence) return
    const send = (buf: Buffer) => udp.send(buf, rinfo.port, rinfo.address)
    for (const junk of script.garbage ?? []) send(junk)
    if (script.spoof) {
      const forged = { ...request, questions: request.questions }
      if (script.spoof === 'id') forged.id = ((request.id ?? 0) + 1) & 0xffff
      else forged.questions = [{ name: `evil.${seen.name}`, type: seen.type as 'A', class: 'IN' }]
      send(reply(forged, { addresses: [script.spoofAddress ?? '6.6.6.6'], ttl: 60 }, seen))
    }
    later(script.delay, () => send(reply(request, script, seen, true)))
  })

  tcp.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return
      const request = packet.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0)))
      const seen = describe(request, 'tcp', socket.remotePort ?? 0)
      queries.push(seen)
      const script = server.respond(seen)
      if (script.silence || script.tcp === 'silence') return
      if (script.tcp === 'close') return void socket.end()
      if (script.tcp === 'huge-length') return void socket.write(Buffer.from([0xff, 0xff, 0, 0, 0]))
      later(script.delay, () => {
        const wrongId =
          script.tcp === 'wrong-id' ? { ...request, id: ((request.id ?? 0) + 1) & 0xffff } : request
        const again = script.tcp === 'truncated-again'
        const body = reply(wrongId, { ...script, truncate: again }, seen, again)
        const framed = Buffer.alloc(2 + body.length)
        framed.writeUInt16BE(body.length, 0)
        body.copy(framed, 2)
        socket.end(framed)
      })
    })
  })
  return server
}

/** A UDP socket and a TCP server on the same free port; retried (fresh sockets) when the TCP side is taken. */
async function bindPair(host: string): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject)
      udp.bind(0, host, () => {
        udp.off('error', reject)
        resolve()
      })
    })
    const port = udp.address().port
    const tcp = net.createServer()
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false))
      tcp.listen(port, host, () => resolve(true))
    })
    if (ok) return { udp, tcp, port }
    await new Promise<void>((resolve) => udp.close(() => resolve()))
    if (attempt >= 50) throw new Error(`no free port for UDP+TCP on ${host} after ${attempt + 1} tries`)
  }
}

function describe(request: packet.DecodedPacket, transport: 'udp' | 'tcp', port: number): SeenQuery {
  const q = request.questions?.[0]
  return {
    name: q?.name ?? '',
    type: q?.type ?? '',
    transport,
    port,
    edns: (request.additionals ?? []).some((a) => a.type === 'OPT'),
  }
}

function reply(request: packet.Packet, script: Script, seen: SeenQuery, udp = false): Buffer {
  const truncated = udp && script.truncate === true
  const answers: packet.Answer[] = []
  let owner = seen.name
  if (!truncated && script.cname) {
    answers.push({ type: 'CNAME', name: owner, ttl: script.ttl ?? 60, class: 'IN', data: script.cname })
    owner = script.cname
  }
  if (script.owner !== undefined) owner = script.owner
  if (!truncated && (script.rcode ?? 'NOERROR') === 'NOERROR') {
    for (const address of script.addresses ?? []) {
      const type = address.includes(':') ? 'AAAA' : 'A'
      if (type !== seen.type) continue
      answers.push({ type, name: owner, ttl: script.ttl ?? 60, class: 'IN', data: address })
    }
  }
  const rcode = RCODES[script.rcode ?? 'NOERROR']
  let flags = packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | rcode
  if (truncated) flags |= packet.TRUNCATED_RESPONSE
  return packet.encode({
    type: 'response',
    id: request.id ?? 0,
    flags,
    questions: request.questions ?? [],
    answers,
  })
}
