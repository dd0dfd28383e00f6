import dgram from 'node:dgram'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `predicate` every 10 ms until it holds; fails after `timeout` ms naming `what`. */
export async function waitFor(predicate: () => boolean, what: string, timeout = 3_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await sleep(10)
  }
}

/** A loopback UDP port with nothing listening (bound then closed): queries to it get ICMP port unreachable. */
export async function closedPort(host = '127.0.0.1'): Promise<string> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
