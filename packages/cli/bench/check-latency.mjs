// How long keepalived's check takes, idle and under load: `curl GET /check?vip=` (what docs/keepalived.md uses) and
// `gslb-lb check` (a whole Node process), against a running `gslb-lb run` that forwards traffic while two busy
// processes hold the CPU. The figures go in docs/keepalived.md.
//
//   pnpm --filter @gslb/cli build && node packages/cli/bench/check-latency.mjs [--smoke]
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../../scripts/bench-ports.mjs'

const smoke = process.argv.includes('--smoke')
const CURL_RUNS = smoke ? 20 : 300
const CLI_RUNS = smoke ? 3 : 30
const LOAD_CONNECTIONS = 32
const bin = new URL('../dist/bin.cjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'gslb-check-bench-'))
const children = new Set()

function startChild(command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] })
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

/**
 * The traffic, in its own process: a TCP echo server (the service's backend) and LOAD_CONNECTIONS clients doing 4 KiB
 * round trips through the node's service as fast as they can; prints the round trips per second on SIGTERM.
 */
const TRAFFIC = `
const { connect, createServer } = require('node:net')
const [echoPort, servicePort, connections] = process.argv.slice(1).map(Number)
let roundTrips = 0
let started = Date.now()
createServer((socket) => socket.on('error', () => {}).pipe(socket)).listen(echoPort, '127.0.0.1', () => {
  process.send('ready')
})
process.on('message', () => {
  started = Date.now()
  for (let i = 0; i < connections; i++) {
    const socket = connect({ host: '127.0.0.1', port: servicePort })
    socket.on('error', () => {})
    socket.on('data', () => { roundTrips++; socket.write(Buffer.alloc(4096, 1)) })
    socket.once('connect', () => socket.write(Buffer.alloc(4096, 1)))
  }
})
process.on('SIGTERM', () => {
  console.log(Math.round(roundTrips / ((Date.now() - started) / 1000)))
  process.exit(0)
})
`

const run = (command, args) =>
  new Promise((resolve) => {
    const started = performance.now()
    execFile(command, args, { timeout: 10_000 }, (error) =>
      resolve({ ms: performance.now() - started, ok: !error }),
    )
  })

async function measure(label, command, args, runs) {
  const times = []
  let failed = 0
  for (let i = 0; i < runs; i++) {
    const { ms, ok } = await run(command, args)
    times.push(ms)
    if (!ok) failed++
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  times.sort((a, b) => a - b)
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1)
  return { label, runs, p50: at(0.5), p99: at(0.99), max: times.at(-1).toFixed(1), failed }
}

async function main() {
  const [adminPort, servicePort, echoPort] = [await freePort(), await freePort(), await freePort()]
  const traffic = spawn(
    process.execPath,
    ['-e', TRAFFIC, String(echoPort), String(servicePort), String(LOAD_CONNECTIONS)],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  )
  children.add(traffic)
  await new Promise((resolve) => traffic.once('message', resolve))
  const config = join(dir, 'node.json')
  writeFileSync(
    config,
    JSON.stringify({
      node: { name: 'bench', stopGrace: '0s', drainTimeout: '0s' },
      monitors: { tcp: { type: 'tcp', interval: '1s', timeout: '500ms' } },
      services: {
        BENCH: {
          listen: [{ address: '127.0.0.1', port: servicePort }],
          backends: [{ address: '127.0.0.1', port: echoPort }],
          monitor: 'tcp',
        },
      },
      admin: { listen: { address: '127.0.0.1', port: adminPort } },
      logging: { level: 'warn', format: 'json' },
    }),
  )
  const node = startChild(process.execPath, [bin, 'run', '-c', config])
  const url = `http://127.0.0.1:${adminPort}/check?vip=127.0.0.1`
  for (let i = 0; ; i++) {
    if ((await run('/usr/bin/curl', ['-fsS', '--max-time', '0.5', '-o', '/dev/null', url])).ok) break
    if (i > 100) throw new Error('the node did not become fit')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const curl = ['/usr/bin/curl', ['-fsS', '--max-time', '0.5', '-o', '/dev/null', url]]
  const cli = [
    process.execPath,
    [bin, 'check', '--admin', `127.0.0.1:${adminPort}`, '--vip', '127.0.0.1', '-q'],
  ]
  const rows = []
  rows.push(await measure('curl /check?vip=, idle', ...curl, CURL_RUNS))
  rows.push(await measure('gslb-lb check --vip, idle', ...cli, CLI_RUNS))

  traffic.send('go')
  const burners = [0, 1].map(() => startChild(process.execPath, ['-e', 'for(;;){}']))
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  rows.push(await measure('curl /check?vip=, forwarding + 2 busy CPUs', ...curl, CURL_RUNS))
  rows.push(await measure('gslb-lb check --vip, forwarding + 2 busy CPUs', ...cli, CLI_RUNS))
  let output = ''
  traffic.stdout.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise((resolve) => traffic.once('exit', resolve))
  traffic.kill('SIGTERM')
  await exited
  const rate = output.trim()
  for (const burner of burners) burner.kill('SIGKILL')
  node.kill('SIGTERM')

  console.log(
    `check latency (ms); under load: ${LOAD_CONNECTIONS} connections forwarding ${rate} round trips/s of 4 KiB (average over the loaded runs) and two busy processes`,
  )
  console.log('| what | runs | p50 | p99 | max | failed |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const r of rows)
    console.log(`| ${r.label} | ${r.runs} | ${r.p50} | ${r.p99} | ${r.max} | ${r.failed} |`)
}

const watchdog = setTimeout(() => {
  console.error('check-latency: took longer than 5 minutes; giving up')
  process.exit(1)
}, 300_000)
try {
  await main()
} finally {
  clearTimeout(watchdog)
  for (const child of children) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
