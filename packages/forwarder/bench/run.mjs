// Forwarder vs HAProxy (mode tcp) vs direct, on loopback, in one run. Needs the built package
// (`pnpm --filter @gslb/forwarder build`) and the Debian peers iperf3, wrk and haproxy.
//   node packages/forwarder/bench/run.mjs [--seconds 5] [--idle 9800] [--haproxy-threads 1] [--idle-only]
//     [--node-flags='--max-semi-space-size=2']
// Prints a markdown table. Timing numbers on a shared machine are noisy: compare ratios in one run.
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? Number(args[at + 1]) : fallback
}
const SECONDS = option('seconds', 5)
const IDLE = option('idle', 9_800)
const HAPROXY_THREADS = option('haproxy-threads', 1)
const IDLE_ONLY = args.includes('--idle-only')
// extra V8/Node flags for the forwarder process, e.g. --node-flags=--max-semi-space-size=2
const NODE_FLAGS = (args.find((arg) => arg.startsWith('--node-flags=')) ?? '--node-flags=')
  .slice(13)
  .split(' ')
  .filter(Boolean)
const dir = mkdtempSync(join(tmpdir(), 'gslb-forwarder-bench-'))
const children = []

async function freePort() {
  const server = createServer().listen({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Spawns with the open-file limit raised to the hard limit (10,000 idle proxied connections need 20,000+ fds). */
function start(command, commandArgs, options = {}) {
  const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', command, ...commandArgs], {
    stdio: options.ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'ignore', 'inherit'],
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

async function waitPort(port, deadlineMs = 10_000) {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const socket = connect({ host: '127.0.0.1', port })
    const ok = await new Promise((resolve) => {
      socket.once('connect', () => resolve(true))
      socket.once('error', () => resolve(false))
    })
    socket.destroy()
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1])
}

async function iperf(port, streams) {
  const { stdout } = await run(
    'iperf3',
    ['-c', '127.0.0.1', '-p', String(port), '-t', String(SECONDS), '-P', String(streams), '-J'],
    {
      maxBuffer: 64 << 20,
    },
  )
  return JSON.parse(stdout).end.sum_received.bits_per_second / 1e9
}

async function wrk(port) {
  const { stdout } = await run('wrk', [
    '-t1',
    '-c32',
    `-d${SECONDS}s`,
    '-H',
    'Connection: close',
    `http://127.0.0.1:${port}/`,
  ])
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)[1])
}

async function idleMemory(label, port, pid, idleBackend, beforeMeasure) {
  await beforeMeasure?.()
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
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  children.push(clients)
  const { opened, failed } = await request(clients, null, 'opened')
  const deadline = Date.now() + 60_000
  let held = 0
  while (Date.now() < deadline) {
    ;({ held } = await request(idleBackend, 'count', 'held'))
    if (held >= opened) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await beforeMeasure?.()
  const after = rssKb(pid)
  clients.send('close')
  await once(clients, 'exit')
  for (let i = 0; i < 100; i++) {
    const { held: left } = await request(idleBackend, 'count', 'held')
    if (left === 0) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  if (failed > 0 || held < opened)
    console.error(`${label}: opened ${opened}, failed ${failed}, proxied ${held}`)
  return { perConnection: ((after - before) * 1024) / held, held }
}

try {
  const iperfPort = await freePort()
  const httpPort = await freePort()
  const haproxyPorts = { iperf: await freePort(), http: await freePort(), idle: await freePort() }
  start('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(iperfPort)])
  writeFileSync(
    join(dir, 'http.cfg'),
    `global\n  maxconn 4000\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n` +
      `frontend web\n  bind 127.0.0.1:${httpPort}\n  http-request return status 200 content-type text/plain string ok\n`,
  )
  start('haproxy', ['-db', '-f', join(dir, 'http.cfg')])
  const idleBackend = start(process.execPath, [join(here, 'idle-peer.mjs'), 'server', '0'], { ipc: true })
  const { port: idlePort } = await request(idleBackend, null, 'port')
  const services = [
    { name: 'iperf', listen: ['127.0.0.1:0'], backends: [{ address: '127.0.0.1', port: iperfPort }] },
    { name: 'http', listen: ['127.0.0.1:0'], backends: [{ address: '127.0.0.1', port: httpPort }] },
    { name: 'idle', listen: ['127.0.0.1:0'], backends: [{ address: '127.0.0.1', port: idlePort }] },
  ]
  const forwarder = start(
    process.execPath,
    ['--expose-gc', join(here, 'forwarder-process.mjs'), JSON.stringify(services)],
    {
      ipc: true,
    },
  )
  const { ports: forwarderPorts } = await request(forwarder, null, 'ready')
  writeFileSync(
    join(dir, 'proxy.cfg'),
    `global\n  nbthread ${HAPROXY_THREADS}\n  maxconn ${IDLE + 100}\n` +
      `defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n` +
      Object.entries({ iperf: iperfPort, http: httpPort, idle: idlePort })
        .map(
          ([name, port]) =>
            `frontend ${name}\n  bind 127.0.0.1:${haproxyPorts[name]}\n  default_backend ${name}_servers\n` +
            `backend ${name}_servers\n  server s1 127.0.0.1:${port}\n`,
        )
        .join(''),
  )
  const haproxy = start('haproxy', ['-db', '-f', join(dir, 'proxy.cfg')])
  // iperf3's server is not probed: a connection without a test makes it log an error
  for (const port of [httpPort, ...Object.values(haproxyPorts)]) await waitPort(port)
  await new Promise((resolve) => setTimeout(resolve, 300))

  const rows = []
  for (const streams of IDLE_ONLY ? [] : [1, 8]) {
    const direct = await iperf(iperfPort, streams)
    const viaForwarder = await iperf(forwarderPorts.iperf, streams)
    const viaHaproxy = await iperf(haproxyPorts.iperf, streams)
    rows.push([`iperf3 -P ${streams} (Gbit/s)`, direct, viaForwarder, viaHaproxy])
  }
  if (!IDLE_ONLY) {
    const cpsDirect = await wrk(httpPort)
    const cpsForwarder = await wrk(forwarderPorts.http)
    const cpsHaproxy = await wrk(haproxyPorts.http)
    rows.push(['wrk Connection: close (req/s = new conn/s)', cpsDirect, cpsForwarder, cpsHaproxy])
  }
  const memForwarder = await idleMemory('forwarder', forwarderPorts.idle, forwarder.pid, idleBackend, () =>
    request(forwarder, 'rss', 'rss'),
  )
  const memHaproxy = await idleMemory('haproxy', haproxyPorts.idle, haproxy.pid, idleBackend)
  rows.push([
    `RSS per idle proxied connection (bytes; ${memForwarder.held} / ${memHaproxy.held} conns)`,
    null,
    memForwarder.perConnection,
    memHaproxy.perConnection,
  ])

  const fmt = (value) =>
    value === null ? '–' : value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2)
  console.log(
    `haproxy nbthread ${HAPROXY_THREADS}, ${SECONDS} s per run, node ${process.version} ${NODE_FLAGS.join(' ')}\n`,
  )
  console.log('| measure | direct | forwarder | haproxy | forwarder / haproxy |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const [name, direct, viaForwarder, viaHaproxy] of rows) {
    const ratio = name.startsWith('RSS') ? viaForwarder / viaHaproxy : viaForwarder / viaHaproxy
    console.log(
      `| ${name} | ${fmt(direct)} | ${fmt(viaForwarder)} | ${fmt(viaHaproxy)} | ${ratio.toFixed(2)}× |`,
    )
  }
  forwarder.send('stop')
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
