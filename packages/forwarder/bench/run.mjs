// L4 forwarding as users run it, side by side (../../../shared/reference/benchmarking.md):
//   haproxy   HAProxy mode tcp, nbthread 1
//   node      `gslb-lb run -c config.json` (the CLI as shipped: admin API, metrics, logging info json)
//   library   the bare createForwarder in a process of its own
//   pipe      a two-line Node pipe() relay (Node's ceiling)
// Every subject is a fresh process; rounds are interleaved in a shuffled order after a warm-up round that is
// thrown away; each cell prints min / median / max, and the ratios are of medians. Needs the built packages
// (`pnpm --filter @gslb/forwarder --filter @gslb/cli build`) and the Debian peers iperf3, wrk and haproxy.
//   node packages/forwarder/bench/run.mjs [--seconds 5] [--rounds 3] [--idle 9800] [--haproxy-threads 1] [--settle 30]
//     [--node-before <another build's packages/cli/dist/bin.cjs>] [--measures p1,p8,connections] (--idle 0: no idle memory)
// --node-before adds `gslb-lb run` of another build (e.g. before a change) as one more interleaved subject.
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePort, waitPort } from '../../../scripts/bench-ports.mjs'
import { median, shuffle } from '../../../scripts/bench-stats.mjs'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const cliBin = join(here, '../../cli/dist/bin.cjs')
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? Number(args[at + 1]) : fallback
}
const SECONDS = option('seconds', 5)
const ROUNDS = option('rounds', 3)
const IDLE = option('idle', 9_800)
const HAPROXY_THREADS = option('haproxy-threads', 1)
const SETTLE = option('settle', 30)
const MEASURES = args.includes('--measures')
  ? args[args.indexOf('--measures') + 1].split(',')
  : ['p1', 'p8', 'connections']
const NODE_BEFORE = args.includes('--node-before') ? args[args.indexOf('--node-before') + 1] : null
const dir = mkdtempSync(join(tmpdir(), 'gslb-forwarder-bench-'))
const children = []
const CLK_TCK = 100

/** Spawns with the open-file limit raised to the hard limit (10,000 idle proxied connections need 20,000+ fds). */
function start(command, commandArgs, options = {}) {
  const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', command, ...commandArgs], {
    stdio: options.ipc ? ['ignore', 'ignore', 'inherit', 'ipc'] : ['ignore', 'ignore', 'inherit'],
  })
  children.push(child)
  return child
}

function request(child, message, key) {
  return new Promise((resolve) => {
    const onMessage = (reply) => {
      if (reply && key in reply) {
        child.off('message', onMessage)
        resolve(reply)
      }
    }
    child.on('message', onMessage)
    if (message !== null) child.send(message)
  })
}

const rssKb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1])
/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')

/**
 * Received Gbit/s, and the proxy's CPU (utime + stime) per GB moved: on this shared machine the throughput follows
 * the scheduler, the CPU per GB what the proxy itself costs. iperf3's server takes one test at a time and sometimes
 * is not ready yet: a few retries.
 */
async function iperf(port, streams, pid) {
  for (let attempt = 1; ; attempt++) {
    const cpuBefore = cpuSeconds(pid)
    const { stdout } = await run(
      'iperf3',
      ['-c', '127.0.0.1', '-p', String(port), '-t', String(SECONDS), '-P', String(streams), '-J'],
      { maxBuffer: 64 << 20 },
    ).catch((error) => ({ stdout: error.stdout ?? '{}' }))
    const sum = JSON.parse(stdout).end?.sum_received
    if (sum?.bits_per_second !== undefined)
      return {
        rate: sum.bits_per_second / 1e9,
        cpuPerGb: ((cpuSeconds(pid) - cpuBefore) * 1e3) / (sum.bytes / 1e9),
      }
    if (attempt === 3) throw new Error(`iperf3 through port ${port} failed 3 times: ${stdout.slice(0, 300)}`)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
}

/** New connections per second (HTTP with Connection: close), and the proxy's CPU per connection in µs. */
async function connectionRate(port, pid) {
  const cpuBefore = cpuSeconds(pid)
  const { stdout } = await run('wrk', [
    '-t1',
    '-c32',
    `-d${SECONDS}s`,
    '-H',
    'Connection: close',
    `http://127.0.0.1:${port}/`,
  ])
  const cpu = cpuSeconds(pid) - cpuBefore
  const requests = Number(/(\d+) requests in/.exec(stdout)[1])
  return { rate: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)[1]), cpuMicros: (cpu * 1e6) / requests }
}

/** Total RSS of the proxy while it holds IDLE idle connections (no forced GC: what a user sees). */
async function idleMemory(port, pid, idleBackend) {
  const before = rssKb(pid)
  const clients = spawn(
    'sh',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"',
      process.execPath,
      join(here, 'idle-peer.mjs'),
      'clients',
      String(port),
      String(IDLE),
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  )
  children.push(clients)
  const { opened } = await request(clients, null, 'opened')
  const deadline = Date.now() + 60_000
  let held = 0
  while (Date.now() < deadline) {
    ;({ held } = await request(idleBackend, 'count', 'held'))
    if (held >= opened) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const after = rssKb(pid)
  clients.send('close')
  await once(clients, 'exit')
  for (let i = 0; i < 100; i++) {
    const { held: left } = await request(idleBackend, 'count', 'held')
    if (left === 0) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { totalMb: after / 1024, perConnection: ((after - before) * 1024) / Math.max(held, 1), held }
}

const fmt = (value) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2))
const cell = (values) => `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`

try {
  const iperfPort = await freePort()
  const httpPort = await freePort()
  start('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(iperfPort)])
  writeFileSync(
    join(dir, 'http.cfg'),
    `global\n  maxconn 4000\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n` +
      `frontend web\n  bind 127.0.0.1:${httpPort}\n  http-request return status 200 content-type text/plain string ok\n`,
  )
  start('haproxy', ['-db', '-f', join(dir, 'http.cfg')])
  const idleBackend = start(process.execPath, [join(here, 'idle-peer.mjs'), 'server', '0'], { ipc: true })
  const { port: idlePort } = await request(idleBackend, null, 'port')
  const targets = { iperf: iperfPort, http: httpPort, idle: idlePort }

  const subjects = {}
  const pending = []
  // HAProxy
  const haproxyPorts = { iperf: await freePort(), http: await freePort(), idle: await freePort() }
  writeFileSync(
    join(dir, 'proxy.cfg'),
    `global\n  nbthread ${HAPROXY_THREADS}\n  maxconn ${IDLE + 100}\n` +
      `defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n` +
      Object.entries(targets)
        .map(
          ([name, port]) =>
            `frontend ${name}\n  bind 127.0.0.1:${haproxyPorts[name]}\n  default_backend ${name}_servers\n` +
            `backend ${name}_servers\n  server s1 127.0.0.1:${port}\n`,
        )
        .join(''),
  )
  const haproxy = start('haproxy', ['-db', '-f', join(dir, 'proxy.cfg')])
  subjects.haproxy = { pid: haproxy.pid, ports: haproxyPorts }
  // gslb-lb run, as users run it
  const nodePorts = { iperf: await freePort(), http: await freePort(), idle: await freePort() }
  writeFileSync(
    join(dir, 'gslb-lb.json'),
    JSON.stringify({
      node: { name: 'bench' },
      admin: { listen: { address: '127.0.0.1', port: await freePort() } },
      logging: { level: 'info', format: 'json' },
      services: Object.fromEntries(
        Object.entries(targets).map(([name, port]) => [
          name,
          {
            listen: [{ address: '127.0.0.1', port: nodePorts[name] }],
            backends: [{ address: '127.0.0.1', port }],
          },
        ]),
      ),
    }),
  )
  const node = start(process.execPath, [cliBin, 'run', '-c', join(dir, 'gslb-lb.json')])
  subjects.node = { pid: node.pid, ports: nodePorts }
  if (NODE_BEFORE !== null) {
    const beforePorts = { iperf: await freePort(), http: await freePort(), idle: await freePort() }
    const config = JSON.parse(readFileSync(join(dir, 'gslb-lb.json'), 'utf8'))
    config.admin.listen.port = await freePort()
    for (const name of Object.keys(targets)) config.services[name].listen[0].port = beforePorts[name]
    writeFileSync(join(dir, 'gslb-lb-before.json'), JSON.stringify(config))
    const before = start(process.execPath, [NODE_BEFORE, 'run', '-c', join(dir, 'gslb-lb-before.json')])
    subjects['node-before'] = { pid: before.pid, ports: beforePorts }
  }
  // the bare library and the bare pipe() relay
  const services = Object.entries(targets).map(([name, port]) => ({
    name,
    listen: ['127.0.0.1:0'],
    backends: [{ address: '127.0.0.1', port }],
  }))
  const library = start(process.execPath, [join(here, 'forwarder-process.mjs'), JSON.stringify(services)], {
    ipc: true,
  })
  pending.push(
    request(library, null, 'ready').then(({ ports }) => (subjects.library = { pid: library.pid, ports })),
  )
  const relay = start(
    process.execPath,
    [
      join(here, 'pipe-relay.mjs'),
      JSON.stringify(Object.entries(targets).map(([name, target]) => ({ name, target }))),
    ],
    { ipc: true },
  )
  pending.push(request(relay, null, 'ready').then(({ ports }) => (subjects.pipe = { pid: relay.pid, ports })))
  await Promise.all(pending)
  // the shell exec'd the command: the child's pid is the proxy's pid. iperf3's server is not probed: a connection
  // without a test makes it log an error
  for (const port of [httpPort, haproxyPorts.http, haproxyPorts.idle, nodePorts.http, nodePorts.idle])
    await waitPort(port)
  if (NODE_BEFORE !== null) await waitPort(subjects['node-before'].ports.http)
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const names = ['haproxy', 'node', 'library', 'pipe', ...(NODE_BEFORE !== null ? ['node-before'] : [])]
  const freshRss = Object.fromEntries(names.map((name) => [name, rssKb(subjects[name].pid) / 1024]))
  // V8 shrinks a young generation grown during start-up only once the process has idled a while (memory reducer)
  await new Promise((resolve) => setTimeout(resolve, SETTLE * 1_000))
  const settledRss = Object.fromEntries(names.map((name) => [name, rssKb(subjects[name].pid) / 1024]))

  const measures = [
    ['p1', 'iperf3 -P 1 (Gbit/s)', (s) => iperf(s.ports.iperf, 1, s.pid), 'CPU per GB, 1 stream (ms)'],
    ['p8', 'iperf3 -P 8 (Gbit/s)', (s) => iperf(s.ports.iperf, 8, s.pid), 'CPU per GB, 8 streams (ms)'],
    [
      'connections',
      'new connections/s (wrk, Connection: close)',
      (s) => connectionRate(s.ports.http, s.pid),
      'CPU per connection (µs)',
    ],
  ]
    .filter(([key]) => MEASURES.includes(key))
    .map(([, ...measure]) => measure)
  const results = {}
  const loads = []
  for (let round = 0; round <= ROUNDS; round++) {
    loads.push(load())
    for (const [measure, go, cpuMeasure] of measures) {
      for (const name of shuffle(names)) {
        const value = await go(subjects[name])
        if (round === 0) continue // warm-up
        const values = { [measure]: value.rate, [cpuMeasure]: value.cpuPerGb ?? value.cpuMicros }
        for (const [key, v] of Object.entries(values)) {
          results[key] ??= {}
          results[key][name] ??= []
          results[key][name].push(v)
        }
      }
    }
  }
  loads.push(load())

  const idle = {}
  if (IDLE > 0)
    for (const name of shuffle(names))
      idle[name] = await idleMemory(subjects[name].ports.idle, subjects[name].pid, idleBackend)

  console.log(
    `haproxy nbthread ${HAPROXY_THREADS}; ${SECONDS} s per run; ${ROUNDS} interleaved rounds after a warm-up; ` +
      `node ${process.version}\nload average (1/5/15 min) at each round: ${loads.join(' | ')}\n`,
  )
  const before = NODE_BEFORE !== null
  console.log(
    `| median (min–max) | haproxy | gslb-lb run | library | pipe() |${before ? ' gslb-lb run (before) |' : ''} ` +
      `run / library | run / haproxy | library / haproxy |${before ? ' run / before |' : ''}`,
  )
  console.log(`| --- |${' ---: |'.repeat(names.length + 3 + (before ? 1 : 0))}`)
  const ratios = (value) =>
    `${(value('node') / value('library')).toFixed(2)}× | ${(value('node') / value('haproxy')).toFixed(2)}× | ` +
    `${(value('library') / value('haproxy')).toFixed(2)}× |` +
    (before ? ` ${(value('node') / value('node-before')).toFixed(2)}× |` : '')
  for (const [measure, byName] of Object.entries(results)) {
    const m = Object.fromEntries(names.map((name) => [name, median(byName[name])]))
    console.log(
      `| ${measure} | ${names.map((name) => cell(byName[name])).join(' | ')} | ${ratios((name) => m[name])}`,
    )
  }
  const memRow = (label, value) =>
    `| ${label} | ${names.map((name) => fmt(value(name))).join(' | ')} | ${ratios(value)}`
  console.log(memRow('RSS, fresh process (MB)', (name) => freshRss[name]))
  console.log(memRow(`RSS, ${SETTLE} s after start, no traffic yet (MB)`, (name) => settledRss[name]))
  if (IDLE > 0) {
    console.log(
      memRow(
        `total RSS holding ${IDLE} idle connections (MB, one round, no forced GC)`,
        (name) => idle[name].totalMb,
      ),
    )
    console.log(memRow('RSS growth per idle connection (bytes)', (name) => idle[name].perConnection))
    const short = names.filter((name) => idle[name].held < IDLE)
    if (short.length > 0)
      console.log(
        `\nheld fewer than ${IDLE}: ${short.map((name) => `${name} ${idle[name].held}`).join(', ')}`,
      )
  }
  library.send('stop')
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
