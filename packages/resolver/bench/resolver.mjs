// Benchmarks of the built @gslb/resolver against a loopback UDP/TCP nameserver.
// Run: pnpm --filter @gslb/resolver build && node packages/resolver/bench/resolver.mjs [--quick]
// 1. per-query latency: our client (resolveNow) vs node:dns Resolver (c-ares) against the same server;
// 2. failover: time until resolveNow() has the primary's answer when the local GSLB is closed / silent;
// 3. many names: CPU and memory to keep N names fresh at a 1 s interval.
import dgram from 'node:dgram'
import { Resolver as AresResolver } from 'node:dns/promises'
import { createRequire } from 'node:module'
import net from 'node:net'

const require = createRequire(import.meta.url)
const packet = require('dns-packet')
const { createResolver } = await import('../dist/index.js')

const quick = process.argv.includes('--quick')
const QUERIES = quick ? 300 : 3_000
const NAMES = quick ? 200 : 2_000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function fakeServer({ silent = false } = {}) {
  // UDP and TCP on the same free port (retry when the TCP side of a fresh UDP port is taken)
  let udp
  let tcp
  let port
  for (let attempt = 0; ; attempt++) {
    udp = dgram.createSocket('udp4')
    await new Promise((resolve) => udp.bind(0, '127.0.0.1', resolve))
    port = udp.address().port
    tcp = net.createServer((s) => s.destroy())
    const ok = await new Promise((resolve) => {
      tcp.once('error', () => resolve(false))
      tcp.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (ok) break
    await new Promise((resolve) => udp.close(resolve))
    if (attempt > 20) throw new Error('no free port')
  }
  let queries = 0
  udp.on('message', (msg, rinfo) => {
    queries++
    if (silent) return
    const q = packet.decode(msg)
    const question = q.questions[0]
    const reply = packet.encode({
      type: 'response',
      id: q.id,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
      questions: q.questions,
      answers: [{ type: 'A', name: question.name, ttl: 60, data: '10.9.0.1' }],
    })
    udp.send(reply, rinfo.port, rinfo.address)
  })
  return {
    address: `127.0.0.1:${port}`,
    get queries() {
      return queries
    },
    close: () => Promise.all([new Promise((r) => udp.close(r)), new Promise((r) => tcp.close(r))]),
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

function row(cells) {
  console.log(`| ${cells.join(' | ')} |`)
}

async function latency() {
  const server = await fakeServer()
  const ours = createResolver({
    nameservers: [server.address],
    resolveNowMinIntervalMs: 0,
    intervalMs: 3_600_000,
  })
  ours.track('dicom.bench.example')
  await ours.start()
  const ares = new AresResolver({ timeout: 1_000, tries: 1 })
  ares.setServers([server.address])
  const measure = async (fn) => {
    const times = []
    for (let i = 0; i < QUERIES; i++) {
      const t = process.hrtime.bigint()
      await fn()
      times.push(Number(process.hrtime.bigint() - t) / 1e6)
    }
    return times.sort((a, b) => a - b)
  }
  // interleave the two in rounds so machine noise hits both alike
  const oursTimes = []
  const aresTimes = []
  const seen = { ours: 0, ares: 0 }
  for (let round = 0; round < 3; round++) {
    let q = server.queries
    oursTimes.push(...(await measure(() => ours.resolveNow('dicom.bench.example'))))
    seen.ours += server.queries - q
    q = server.queries
    aresTimes.push(...(await measure(() => ares.resolve4('dicom.bench.example', { ttl: true }))))
    seen.ares += server.queries - q
  }
  oursTimes.sort((a, b) => a - b)
  aresTimes.sort((a, b) => a - b)
  await ours.close()
  await server.close()
  console.log(`\n### Per-query latency, ${3 * QUERIES} sequential A queries each, loopback UDP\n`)
  row(['client', 'p50 ms', 'p90 ms', 'p99 ms', 'calls/s', 'queries the server saw'])
  row(['---', '---', '---', '---', '---', '---'])
  for (const [name, t, wire] of [
    ['@gslb/resolver resolveNow()', oursTimes, seen.ours],
    ['node:dns Resolver.resolve4 (c-ares)', aresTimes, seen.ares],
  ]) {
    const total = t.reduce((a, b) => a + b, 0)
    const p = (n) => percentile(t, n).toFixed(3)
    row([name, p(50), p(90), p(99), Math.round((t.length / total) * 1000), wire])
  }
}

async function failover() {
  console.log('\n### Failover: resolveNow() until the primary DNS answers (timeout 200 ms)\n')
  row(['local GSLB state', 'median ms', 'max ms'])
  row(['---', '---', '---'])
  for (const state of ['answering', 'port closed', 'silent']) {
    const primary = await fakeServer()
    const gslb =
      state === 'answering'
        ? await fakeServer()
        : state === 'silent'
          ? await fakeServer({ silent: true })
          : null
    let closedAddress = ''
    if (!gslb) {
      const s = dgram.createSocket('udp4')
      await new Promise((resolve) => s.bind(0, '127.0.0.1', resolve))
      closedAddress = `127.0.0.1:${s.address().port}`
      await new Promise((resolve) => s.close(resolve))
    }
    const r = createResolver({
      nameservers: [gslb?.address ?? closedAddress, primary.address],
      timeoutMs: 200,
      resolveNowMinIntervalMs: 0,
      intervalMs: 3_600_000,
    })
    r.track('dicom.bench.example')
    await r.start()
    const times = []
    for (let i = 0; i < (quick ? 5 : 20); i++) {
      const t = performance.now()
      await r.resolveNow('dicom.bench.example')
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    row([state, percentile(times, 50).toFixed(2), times.at(-1).toFixed(2)])
    await r.close()
    await primary.close()
    await gslb?.close()
  }
}

async function manyNames() {
  const server = await fakeServer()
  global.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const r = createResolver({ nameservers: [server.address], intervalMs: 1_000, jitter: 0.5 })
  for (let i = 0; i < NAMES; i++) r.track(`n${i}.bench.example`)
  await r.start()
  const cpu = process.cpuUsage()
  const q0 = server.queries
  const seconds = quick ? 2 : 5
  await sleep(seconds * 1_000)
  const used = process.cpuUsage(cpu)
  const queries = server.queries - q0
  global.gc?.()
  const heapAfter = process.memoryUsage().heapUsed
  const online = r.snapshot().names.filter((n) => n.state === 'online').length
  await r.close()
  await server.close()
  console.log(`\n### ${NAMES} names at a 1 s interval (±50% jitter), ${seconds} s\n`)
  row(['names online', 'queries/s', 'CPU % of one core (client + fake server)', 'heap per name (bytes)'])
  row(['---', '---', '---', '---'])
  row([
    online,
    Math.round(queries / seconds),
    (((used.user + used.system) / 1e6 / seconds) * 100).toFixed(1),
    Math.round((heapAfter - heapBefore) / NAMES),
  ])
}

console.log(`@gslb/resolver bench — node ${process.version}${quick ? ' (quick)' : ''}`)
await latency()
await failover()
await manyNames()
