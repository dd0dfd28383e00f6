// Ports that tests and benchmarks must name before something listens on them (a peer process, a VIP whose port a DNS
// answer cannot carry). CommonJS so the TypeScript tests (through jest) and the plain Node benches share this one
// implementation; its types are in port-range.d.cts.
//
// Why not "listen on port 0, close, hand the number out": the kernel picks that port from the ephemeral range, the
// same range it takes outgoing connections' local ports from, so between the close and the real listen any connect()
// in any process (a parallel jest worker, a health check) can take it and the listen fails with EADDRINUSE (CI
// failed exactly so). Ports outside the ephemeral range are never handed to outgoing connections. Each jest worker
// takes its own slice of them (benches and other processes slice 0), and a module instance never hands a port out
// twice (jest gives each test file its own instance: a later file may get a port an earlier one used, which the
// bind check below sees if it is still held). What can still race: two runs at once on one host (the unit and e2e
// tiers run one after the other in CI), and daemons that listen on such a port (the bind check skips those).
const dgram = require('node:dgram')
const { readFileSync } = require('node:fs')
const net = require('node:net')

const SLICES = 16
const MIN_SLICE = 100
const TRIES = 200

/** The kernel's range for outgoing connections' local ports (`/proc/sys/net/ipv4/ip_local_port_range`). */
function ephemeralRange() {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number)
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return { low, high }
  } catch {
    // not Linux: the IANA dynamic range is what BSDs, macOS and Windows use
  }
  return { low: 49_152, high: 65_535 }
}

// biome-ignore lint/suspicious/noUndeclaredEnvVars: jest sets it in each of its workers; no turbo task reads it
const jestWorker = () => Number(process.env.JEST_WORKER_ID ?? 0)

/**
 * This process's slice of the ports outside `range`: [10000, low), else [1024, low), else (high, 65535], the first
 * with room for every slice; undefined when none has (then the kernel picks, as before).
 */
function portSlice(workerId = jestWorker(), range = ephemeralRange()) {
  if (!Number.isInteger(workerId) || workerId < 0 || workerId >= SLICES)
    throw new Error(
      `jest worker ${workerId}: there are ${SLICES} port slices; run jest with --maxWorkers ${SLICES - 1} or fewer`,
    )
  const spans = [
    [10_000, range.low - 1],
    [1_024, range.low - 1],
    [range.high + 1, 65_535],
  ]
  const span = spans.find(([from, to]) => to - from + 1 >= SLICES * MIN_SLICE)
  if (!span) return undefined
  const size = Math.floor((span[1] - span[0] + 1) / SLICES)
  const first = span[0] + workerId * size
  return { first, last: first + size - 1 }
}

const handedOut = new Set()

/** A port of this process's slice it has not handed out before; undefined when spent or there is no slice. */
function nextCandidate(slice = portSlice()) {
  if (!slice) return undefined
  const size = slice.last - slice.first + 1
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = slice.first + Math.floor(Math.random() * size)
    if (!handedOut.has(port)) return handOut(port)
  }
  for (let port = slice.first; port <= slice.last; port++) if (!handedOut.has(port)) return handOut(port)
  return undefined
}

function handOut(port) {
  handedOut.add(port)
  return port
}

/** `port` can be bound on `address` for TCP right now (bound, then released); port 0: the port the kernel chose. */
function tcpBind(address, port) {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(undefined))
    server.listen({ host: address, port, exclusive: true }, () => {
      const bound = server.address().port
      server.close(() => resolve(bound))
    })
  })
}

/** `port` can be bound on `address` for UDP right now (bound, then released). */
function udpFree(address, port) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4')
    socket.once('error', () => socket.close(() => resolve(false)))
    socket.bind({ address, port, exclusive: true }, () => socket.close(() => resolve(true)))
  })
}

const tcpFree = async (address, port) => (await tcpBind(address, port)) !== undefined

/**
 * A port free right now for TCP (and UDP when `udp`) on every one of `addresses`, from this process's slice; on a
 * host with no room outside its ephemeral range, one the kernel picks. 200 tries, then an error.
 */
async function freePort(addresses = '127.0.0.1', { udp = false } = {}) {
  const all = typeof addresses === 'string' ? [addresses] : addresses
  const slice = portSlice()
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const port = slice ? nextCandidate(slice) : await tcpBind(all[0], 0)
    if (port === undefined && slice)
      throw new Error(`every port of slice ${slice.first}-${slice.last} handed out`)
    if (port === undefined) continue
    let ok = true
    for (const address of all) {
      if (!(await tcpFree(address, port)) || (udp && !(await udpFree(address, port)))) {
        ok = false
        break
      }
    }
    if (ok) return port
  }
  throw new Error(`no port free on all of ${all.join(', ')} after ${TRIES} tries`)
}

module.exports = { ephemeralRange, portSlice, nextCandidate, tcpFree, udpFree, freePort }
