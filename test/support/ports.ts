import dgram from 'node:dgram'
import net from 'node:net'
import { nextCandidate, portSlice, udpFree } from './port-range.cjs'

/**
 * The one place tests get ports (benches: scripts/bench-ports.mjs). The picking, binding checks and why ports come
 * from outside the ephemeral range live in port-range.cjs, shared with the benches. Bounded tries everywhere.
 */
export { freePort, tcpFree, udpFree } from './port-range.cjs'

/**
 * A loopback UDP port with nothing listening, as `host:port`: queries to it get ICMP port unreachable. Outside the
 * ephemeral range, so no other socket's outgoing datagrams take it while the test runs.
 */
export async function closedPort(host = '127.0.0.1'): Promise<string> {
  const slice = portSlice()
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = slice ? nextCandidate(slice) : await kernelUdpPort(host)
    if (port === undefined) throw new Error(`every port of slice ${slice?.first}-${slice?.last} handed out`)
    if (await udpFree(host, port)) return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
  }
  throw new Error(`no UDP port free on ${host} after 200 tries`)
}

/** A UDP port the kernel picks (bound, then closed): on a host with no room outside the ephemeral range. */
async function kernelUdpPort(host: string): Promise<number> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4')
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}
