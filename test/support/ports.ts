import dgram from 'node:dgram'
import net from 'node:net'

/**
 * A port on `address` that is free for both UDP and TCP right now (bound, then released), for peers that cannot
 * listen on port 0 and report back. Bounded attempts.
 */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4')
    await new Promise<void>((resolve) => udp.bind(0, address, () => resolve()))
    const { port } = udp.address()
    const tcp = net.createServer()
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false))
      tcp.listen(port, address, () => resolve(true))
    })
    await new Promise<void>((resolve) => udp.close(() => resolve()))
    if (ok) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()))
      return port
    }
  }
  throw new Error(`no port free for both UDP and TCP on ${address}`)
}

/** A loopback UDP port with nothing listening (bound then closed), as `host:port`: queries to it get ICMP port unreachable. */
export async function closedPort(host = '127.0.0.1'): Promise<string> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4')
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
}
