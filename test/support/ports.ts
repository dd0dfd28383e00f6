import dgram from 'node:dgram'
import net from 'node:net'
import { nextCandidate } from './port-range.cjs'

/** The one place tests get ports (benches: scripts/bench-ports.mjs; both pick them with port-range.cjs). Bounded tries everywhere. */

/** `port` can be bound on `address` for TCP right now (bound, then released). */
export function tcpFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** `port` can be bound on `address` for UDP right now (bound, then released). */
export function udpFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4')
    socket.once('error', () => {
      socket.close()
      resolve(false)
    })
    socket.bind({ address, port, exclusive: true }, () => socket.close(() => resolve(true)))
  })
}

/**
 * A port free right now for TCP (and UDP when `udp`) on every one of `addresses` (default 127.0.0.1), for what cannot
 * listen on port 0 and report back (a peer process, a VIP whose port a DNS answer cannot carry). It comes from outside
 * the kernel's ephemeral range, so no outgoing connection takes it before the caller listens (port-range.cjs says
 * why); 200 tries, then an error.
 */
export async function freePort(
  addresses: string | readonly string[] = '127.0.0.1',
  options: { udp?: boolean } = {},
): Promise<number> {
  const all = typeof addresses === 'string' ? [addresses] : addresses
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = nextCandidate()
    if (port === undefined) break
    let ok = true
    for (const address of all) {
      if (!(await tcpFree(address, port)) || (options.udp && !(await udpFree(address, port)))) {
        ok = false
        break
      }
    }
    if (ok) return port
  }
  throw new Error(`no port free on all of ${all.join(', ')} after 200 tries`)
}

/**
 * A loopback UDP port with nothing listening, as `host:port`: queries to it get ICMP port unreachable. Outside the
 * ephemeral range, so no other socket's outgoing datagrams take it while the test runs.
 */
export async function closedPort(host = '127.0.0.1'): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = nextCandidate()
    if (port === undefined) break
    if (await udpFree(host, port)) return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
  }
  throw new Error(`no UDP port free on ${host} after 200 tries`)
}
