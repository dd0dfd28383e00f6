// Where tests and benchmarks take the ports they must name before something listens on them (a peer process, a VIP
// whose port a DNS answer cannot carry). CommonJS so the TypeScript tests (through jest) and the plain Node benches
// share this one implementation; its types are in port-range.d.cts.
//
// Why not "listen on port 0, close, hand the number out": the kernel picks that port from the ephemeral range, the
// same range it takes outgoing connections' local ports from, so between the close and the real listen any connect()
// in any process (a parallel jest worker, a health check) can take it and the listen fails with EADDRINUSE (CI
// failed exactly so). Ports below the ephemeral range are never handed to outgoing connections; each jest worker
// takes its own slice of them and no process hands the same port out twice, so the only ones left to race are
// daemons that listen there, and the caller's bind check skips those.
const { readFileSync } = require('node:fs')

const FLOOR = 10_000
const SLICES = 8

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

/** The ports this process may hand out: below the ephemeral range (or above it when too little is below). */
// biome-ignore lint/suspicious/noUndeclaredEnvVars: jest sets it in each of its workers; no turbo task reads it
function portSlice(workerId = Number(process.env.JEST_WORKER_ID ?? 0)) {
  const { low, high } = ephemeralRange()
  const [from, to] = low - FLOOR >= 4_000 ? [FLOOR, low - 1] : [high + 1, 65_535]
  if (to - from < SLICES * 100) throw new Error(`too few ports outside the ephemeral range ${low}-${high}`)
  const size = Math.floor((to - from + 1) / SLICES)
  const first = from + (workerId % SLICES) * size
  return { first, last: first + size - 1 }
}

const handedOut = new Set()

/** A port of this process's slice it has not handed out before, or undefined when the slice is spent. */
function nextCandidate() {
  const { first, last } = portSlice()
  const size = last - first + 1
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = first + Math.floor(Math.random() * size)
    if (!handedOut.has(port)) return handOut(port)
  }
  for (let port = first; port <= last; port++) if (!handedOut.has(port)) return handOut(port)
  return undefined
}

function handOut(port) {
  handedOut.add(port)
  return port
}

module.exports = { ephemeralRange, portSlice, nextCandidate }
