import dgram from 'node:dgram'
import net from 'node:net'

/** The one place tests get ports (benches have scripts/bench-ports.mjs). Bounded tries everywhere. */

/** `port` can be bound on `address` for TCP right now (bound, then released). */
export function tcpFree(address: string, port: number): Promise<boolean> {
  return tcpBind(address, port).then((bound) => bound !== undefined)
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

function tcpBind(address: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(undefined))
    server.listen({ host: address, port, exclusive: true }, () => {
      const bound = (server.address() as net.AddressInfo).port
      server.close(() => resolve(bound))
    })
  })
}

/**
 * A port that was free a moment ago for TCP (and UDP when `udp`) on every one of `addresses` (default 127.0.0.1),
 * for what cannot listen on port 0 and report back (a peer process, a VIP whose port a DNS answer cannot carry):
 * the kernel picks one for the first address, the others are checked; 50 tries, then an error.
 */
export async function freePort(
  addresses: string | readonly string[] = '127.0.0.1',
  options: { udp?: boolean } = {},
): Promise<number> {
  const all = typeof addresses === 'string' ? [addresses] : addresses
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tcpBind(all[0]!, 0)
    if (port === undefined) continue
    let ok = true
    for (const address of all) {
      if (!(await tcpFree(address, port)) || (options.udp && !(await udpFree(address, port)))) {
        ok = false
        break
      }
    }
    if (ok) return port
  }
  throw new Error(`no port free on all of ${all.join(', ')} after 50 tries`)
}

/** A loopback UDP port with nothing listening (bound then closed), as `host:port`: queries to it get ICMP port unreachable. */
export async function closedPort(host = '127.0.0.1'): Promise<string> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4')
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
}
