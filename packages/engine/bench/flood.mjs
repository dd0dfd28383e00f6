// Hostile traffic against the built @gslb/engine and gdnsd, side by side (issue #12):
//  1. UDP garbage flood: a sender process floods the server with garbage (random bytes, other opcodes, broken counts,
//     names outside the zone) at a bounded rate for a bounded time, while this process sends normal queries
//     ('dicom.example.org A') at a steady pace and measures their loss and latency (p50/p99).
//  2. TCP slowloris: 300 connections (above both servers' 256-connection default) each trickle one byte per second
//     and are reopened when closed, while this process asks a normal query over a fresh TCP connection every 250 ms.
// Rounds are interleaved (gdnsd, ours, gdnsd, ours, ...) after a warm-up round that is not counted; the table shows
// min / median / max per server and the load average at the start of each block.
// Run: pnpm --filter @gslb/engine build && node packages/engine/bench/flood.mjs [--smoke] [--rounds N]
//      [--seconds N] [--rate PPS] [--tcp-seconds N] [--baseline DIR] [--only udp|tcp]
// --baseline DIR adds a third column: DIR/bench/engine-server.mjs of another build of this package (e.g. the commit
// before a fix, unpacked with `git archive` and built with tsup), so a change is measured beside the peer too.
import { fork } from 'node:child_process'
import dgram from 'node:dgram'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, launch, sleep, startGdnsd, startSites } from './peers.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const numberArg = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}

if (args[0] === '--sender') {
  await sendGarbage(Number(args[1]), Number(args[2]), Number(args[3]))
  process.exit(0)
}

const smoke = args.includes('--smoke')
const ROUNDS = numberArg('--rounds', smoke ? 1 : 3)
const SECONDS = numberArg('--seconds', smoke ? 1 : 8)
const RATE = numberArg('--rate', smoke ? 2_000 : 60_000)
const TCP_SECONDS = numberArg('--tcp-seconds', smoke ? 2 : 20)
const PROBES_PER_SECOND = 200
const PROBE_TIMEOUT_MS = 1_000
const ATTACK_CONNECTIONS = smoke ? 40 : 300
const ZONE_NAME = 'dicom.example.org'
const onlyIndex = args.indexOf('--only')
const ONLY = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined

// ---------------------------------------------------------------------------------------------------------------
// The garbage sender (a child process, so its CPU is not the prober's): bounded by rate x seconds.

function garbagePackets(count) {
  let seed = 12
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const byte = () => Math.floor(random() * 256)
  const name = (labels) => labels.flatMap((l) => [l.length, ...Buffer.from(l)])
  const packets = []
  for (let i = 0; i < count; i++) {
    const id = [byte(), byte()]
    switch (i % 4) {
      case 0: // random bytes, QR clear so they are not dropped as responses at the first byte
        packets.push(
          Buffer.from([...id, byte() & 0x7f, byte(), ...Array.from({ length: 8 + (i % 60) }, byte)]),
        )
        break
      case 1: // another opcode (NOTIFY/UPDATE/...), otherwise a fine question
        packets.push(
          Buffer.from([
            ...id,
            (1 + (i % 14)) << 3,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            ...name(['x', 'example', 'org']),
            0,
            0,
            1,
            0,
            1,
          ]),
        )
        break
      case 2: // QDCOUNT 2 with one question: structurally broken
        packets.push(Buffer.from([...id, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, ...name(['a', 'b']), 0, 0, 1, 0, 1]))
        break
      default: // a query for a name outside the zone (REFUSED)
        packets.push(
          Buffer.from([
            ...id,
            1,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            ...name([`r${i}`, 'example', 'com']),
            0,
            0,
            1,
            0,
            1,
          ]),
        )
    }
  }
  return packets
}

async function sendGarbage(port, rate, seconds) {
  const packets = garbagePackets(4096)
  const socket = dgram.createSocket('udp4')
  socket.on('error', () => {})
  socket.on('message', () => {})
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const total = Math.floor(rate * seconds)
  const started = Date.now()
  let sent = 0
  let inFlight = 0
  while (sent < total && Date.now() - started < seconds * 1000 + 2000) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate))
    while (sent < due && inFlight < 2000) {
      inFlight++
      socket.send(packets[sent % packets.length], port, '127.0.0.1', () => inFlight--)
      sent++
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  socket.close()
  process.send?.({ sent, seconds: (Date.now() - started) / 1000 })
}

// ---------------------------------------------------------------------------------------------------------------
// The servers.

async function startOurs(monitorPort, packageDir = join(here, '..'), label = '@gslb/engine') {
  const port = await freePort()
  const server = join(packageDir, 'bench', 'engine-server.mjs')
  const child = launch(process.execPath, [server, String(port), String(monitorPort)])
  return { label: `${label} (node ${process.version})`, port, child }
}

function queryBytes(id) {
  const labels = ZONE_NAME.split('.').flatMap((l) => [l.length, ...Buffer.from(l)])
  return Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1])
}

async function waitForAnswer(server) {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null)
      throw new Error(`${server.label} exited: ${server.child.stderrText()}`)
    const result = await probeUdp(server.port, 20, 50)
    if (result.answered === result.sent) return
    await sleep(200)
  }
  throw new Error(`${server.label} does not answer on port ${server.port}: ${server.child.stderrText()}`)
}

async function stop(server) {
  if (server.child.exitCode !== null) return
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements.

/** Sends `count` normal queries at `perSecond`; resolves with how many were answered and their latencies (ms). */
async function probeUdp(port, count, perSecond) {
  const socket = dgram.createSocket('udp4')
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const sentAt = new Map()
  const latencies = []
  socket.on('message', (msg) => {
    const id = msg.readUInt16BE(0)
    const at = sentAt.get(id)
    if (at === undefined || (msg[3] & 0x0f) !== 0 || msg.readUInt16BE(6) === 0) return
    sentAt.delete(id)
    latencies.push(Number(process.hrtime.bigint() - at) / 1e6)
  })
  const started = Date.now()
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / perSecond - Date.now()
    if (wait > 0) await sleep(wait)
    const id = (i * 7 + 1) & 0xffff
    sentAt.set(id, process.hrtime.bigint())
    socket.send(queryBytes(id), port, '127.0.0.1')
  }
  await sleep(PROBE_TIMEOUT_MS)
  socket.close()
  // A reply later than the timeout counts as lost, as it would for a resolver.
  const inTime = latencies.filter((ms) => ms <= PROBE_TIMEOUT_MS)
  return { sent: count, answered: inTime.length, latencies: inTime }
}

async function udpFloodRound(server) {
  const sender = fork(
    fileURLToPath(import.meta.url),
    ['--sender', String(server.port), String(RATE), String(SECONDS)],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  )
  const report = new Promise((resolve) => sender.once('message', resolve))
  const exited = new Promise((resolve) => sender.once('exit', resolve))
  await sleep(200) // let the flood start before the first probe
  const probes = await probeUdp(
    server.port,
    Math.floor(PROBES_PER_SECOND * (SECONDS - 0.4)),
    PROBES_PER_SECOND,
  )
  const flood = await report
  await exited
  const sorted = [...probes.latencies].sort((a, b) => a - b)
  const pct = (p) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
  return {
    lossPct: (100 * (probes.sent - probes.answered)) / probes.sent,
    p50: pct(0.5),
    p99: pct(0.99),
    floodPps: flood.sent / flood.seconds,
  }
}

function tcpQuery(port, timeoutMs) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint()
    const socket = net.connect({ host: '127.0.0.1', port })
    let got = Buffer.alloc(0)
    const done = (ok) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok ? Number(process.hrtime.bigint() - started) / 1e6 : undefined)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.on('error', () => done(false))
    socket.on('close', () => done(false))
    socket.on('connect', () => {
      const query = queryBytes(4242)
      const frame = Buffer.alloc(2 + query.length)
      frame.writeUInt16BE(query.length, 0)
      query.copy(frame, 2)
      socket.write(frame)
    })
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk])
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) done(got.readUInt16BE(2 + 6) > 0)
    })
  })
}

/** 300 trickling connections, reopened when the server closes them; a normal TCP query every 250 ms meanwhile. */
async function slowlorisRound(server) {
  let stopping = false
  let closedByServer = 0
  const attackers = new Set()
  const open = () => {
    if (stopping) return
    const socket = net.connect({ host: '127.0.0.1', port: server.port })
    attackers.add(socket)
    let sentBytes = 0
    const prefix = Buffer.from([0x01, 0x00]) // announces a 256-byte message that never completes
    const timer = setInterval(() => {
      if (!socket.writable) return
      socket.write(sentBytes < 2 ? prefix.subarray(sentBytes, sentBytes + 1) : Buffer.from([0x61]))
      sentBytes++
    }, 1000)
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(timer)
      attackers.delete(socket)
      if (stopping) return
      closedByServer++
      setTimeout(open, 50)
    })
  }
  for (let i = 0; i < ATTACK_CONNECTIONS; i++) {
    open()
    if (i % 50 === 49) await sleep(20)
  }
  await sleep(1500) // every slot is held before the first legitimate query
  let ok = 0
  let failed = 0
  const latencies = []
  const started = Date.now()
  while (Date.now() - started < TCP_SECONDS * 1000) {
    const ms = await tcpQuery(server.port, 2000)
    if (ms === undefined) failed++
    else {
      ok++
      latencies.push(ms)
    }
    await sleep(250)
  }
  stopping = true
  for (const socket of attackers) socket.destroy()
  latencies.sort((a, b) => a - b)
  return {
    answeredPct: (100 * ok) / (ok + failed),
    asked: ok + failed,
    p99: latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))]
      : Number.NaN,
    attackerClosedPerSecond: closedByServer / (TCP_SECONDS + 1.5),
  }
}

// ---------------------------------------------------------------------------------------------------------------

const stats = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] }
}
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a')
const mmm = (xs, digits = 1) => {
  const s = stats(xs)
  return `${fmt(s.min, digits)} / ${fmt(s.median, digits)} / ${fmt(s.max, digits)}`
}
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')

async function interleaved(servers, round, label) {
  const results = new Map(servers.map((s) => [s.label, []]))
  const startLoad = load()
  for (let r = 0; r <= ROUNDS; r++) {
    for (const server of r % 2 === 0 ? servers : [...servers].reverse()) {
      const result = await round(server)
      if (r === 0) continue // warm-up
      results.get(server.label).push(result)
      console.error(
        `${label} round ${r} ${server.label}: ${JSON.stringify(result, (_k, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`,
      )
    }
  }
  return { results, startLoad }
}

const dir = mkdtempSync(join(tmpdir(), 'gslb-flood-'))
const sites = await startSites()
const servers = []
try {
  servers.push(await startGdnsd(dir, sites.port))
  servers.push(await startOurs(sites.port))
  const baseline = args.indexOf('--baseline')
  if (baseline >= 0) servers.push(await startOurs(sites.port, args[baseline + 1], '@gslb/engine baseline'))
  for (const server of servers) await waitForAnswer(server)

  if (ONLY !== 'tcp') await udpBlock()
  if (ONLY !== 'udp') await tcpBlock()
  console.log(`load average at the end: ${load()}`)
} finally {
  await Promise.all(servers.map(stop))
  await sites.close()
  rmSync(dir, { recursive: true, force: true })
}

async function udpBlock() {
  const udp = await interleaved(servers, udpFloodRound, 'udp')
  console.log(
    `\nUDP garbage flood: ${RATE} packets/s offered for ${SECONDS} s (random bytes, other opcodes, broken counts, ` +
      `names outside the zone), probes '${ZONE_NAME} A' at ${PROBES_PER_SECOND}/s, lost = no answer within ` +
      `${PROBE_TIMEOUT_MS} ms; ${ROUNDS} rounds each, interleaved; load average at start: ${udp.startLoad}`,
  )
  console.table(
    servers.map((s) => {
      const rs = udp.results.get(s.label)
      return {
        server: s.label,
        'probe loss % (min/med/max)': mmm(rs.map((r) => r.lossPct)),
        'p50 ms (median)': fmt(stats(rs.map((r) => r.p50)).median, 2),
        'p99 ms (min/med/max)': mmm(
          rs.map((r) => r.p99),
          2,
        ),
        'flood pps sent (median)': Math.round(stats(rs.map((r) => r.floodPps)).median),
      }
    }),
  )
}

async function tcpBlock() {
  const tcp = await interleaved(servers, slowlorisRound, 'tcp')
  console.log(
    `\nTCP slowloris: ${ATTACK_CONNECTIONS} connections trickling 1 byte/s, reopened when closed; a normal TCP query ` +
      `every 250 ms for ${TCP_SECONDS} s (failed = no answer within 2 s); ${ROUNDS} rounds each, interleaved; ` +
      `load average at start: ${tcp.startLoad}`,
  )
  console.table(
    servers.map((s) => {
      const rs = tcp.results.get(s.label)
      return {
        server: s.label,
        'TCP queries answered % (min/med/max)': mmm(rs.map((r) => r.answeredPct)),
        'asked per round': Math.round(stats(rs.map((r) => r.asked)).median),
        'p99 ms (median)': fmt(stats(rs.map((r) => r.p99)).median, 2),
        'attacker conns closed/s (median)': fmt(stats(rs.map((r) => r.attackerClosedPerSecond)).median),
      }
    }),
  )
}
