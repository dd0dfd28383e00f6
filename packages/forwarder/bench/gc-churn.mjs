// GC churn under one iperf3 stream (issue 13): fresh processes of `gslb-lb run`, the bare library and a pipe()
// relay, each started with `node --trace-gc`, one `iperf3 -P 1` run through it, then the mark-compacts and
// scavenges it printed are counted. Subjects are interleaved in a shuffled order per round; a GC "mode" shows
// only across fresh processes, so every run is a new process. Needs the built packages and iperf3.
//   node packages/forwarder/bench/gc-churn.mjs [--rounds 4] [--seconds 3] [--reverse] [--warm-streams 8]
//     [--only node,library,pipe] [--before <another build's bench/forwarder-process.mjs>]
// --before adds a subject `before`: the bare library of another build (e.g. the commit before a change).
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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
  return at >= 0 ? args[at + 1] : fallback
}
const ROUNDS = Number(option('rounds', 4))
const SECONDS = Number(option('seconds', 3))
const REVERSE = args.includes('--reverse')
const BEFORE = option('before', null)
const NAMES = [...option('only', 'node,library,pipe').split(','), ...(BEFORE ? ['before'] : [])]
/** Streams of an iperf3 run before the counted one (0: none): a process that has already carried traffic. */
const WARM_STREAMS = Number(option('warm-streams', 0))
const dir = mkdtempSync(join(tmpdir(), 'gslb-gc-churn-'))
const children = []
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')

/** Starts one fresh subject with --trace-gc forwarding `listenPort` to `target`; resolves with its GC counter. */
async function startSubject(name, listenPort, target) {
  let command
  if (name === 'node') {
    const config = join(dir, `gslb-lb-${listenPort}.json`)
    writeFileSync(
      config,
      JSON.stringify({
        node: { name: 'bench' },
        admin: { listen: { address: '127.0.0.1', port: await freePort() } },
        logging: { level: 'info', format: 'json' },
        services: {
          iperf: {
            listen: [{ address: '127.0.0.1', port: listenPort }],
            backends: [{ address: '127.0.0.1', port: target }],
          },
        },
      }),
    )
    command = [cliBin, 'run', '-c', config]
  } else if (name === 'library' || name === 'before') {
    const services = [
      {
        name: 'iperf',
        listen: [`127.0.0.1:${listenPort}`],
        backends: [{ address: '127.0.0.1', port: target }],
      },
    ]
    command = [name === 'before' ? BEFORE : join(here, 'forwarder-process.mjs'), JSON.stringify(services)]
  } else {
    command = [join(here, 'pipe-relay.mjs'), JSON.stringify([{ name: 'iperf', target, port: listenPort }])]
  }
  const child = spawn(process.execPath, ['--trace-gc', ...command], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  children.push(child)
  const counts = { markCompact: 0, scavenge: 0 }
  let rest = ''
  child.stdout.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop()
    for (const line of lines) {
      if (line.includes('Mark-Compact')) counts.markCompact++
      else if (line.includes('Scavenge')) counts.scavenge++
    }
  })
  await waitPort(listenPort)
  return { child, counts }
}

async function iperf(port, streams = 1) {
  const { stdout } = await run(
    'iperf3',
    [
      '-c',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      String(SECONDS),
      '-P',
      String(streams),
      '-J',
      ...(REVERSE ? ['-R'] : []),
    ],
    { maxBuffer: 64 << 20 },
  ).catch((error) => ({ stdout: error.stdout ?? '{}' }))
  const parsed = JSON.parse(stdout)
  return {
    gbits: (parsed.end?.sum_received?.bits_per_second ?? 0) / 1e9,
    bytes: parsed.end?.sum_received?.bytes ?? 0,
  }
}

try {
  const iperfPort = await freePort()
  const server = spawn('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(iperfPort)], { stdio: 'ignore' })
  children.push(server)
  await new Promise((resolve) => setTimeout(resolve, 500))
  const results = Object.fromEntries(NAMES.map((name) => [name, []]))
  const loads = [load()]
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of shuffle(NAMES)) {
      const port = await freePort()
      const { child, counts } = await startSubject(name, port, iperfPort)
      await new Promise((resolve) => setTimeout(resolve, 300))
      if (WARM_STREAMS > 0) {
        await iperf(port, WARM_STREAMS)
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
      const before = { ...counts }
      const { gbits, bytes } = await iperf(port)
      await new Promise((resolve) => setTimeout(resolve, 200))
      results[name].push({
        gbits,
        gb: bytes / 1e9,
        markCompact: counts.markCompact - before.markCompact,
        scavenge: counts.scavenge - before.scavenge,
      })
      child.kill('SIGKILL')
    }
    loads.push(load())
  }
  console.log(
    `iperf3 -P 1 ${REVERSE ? '-R ' : ''}-t ${SECONDS}${WARM_STREAMS > 0 ? ` after one iperf3 -P ${WARM_STREAMS} run` : ''}; ` +
      `${ROUNDS} fresh processes each, interleaved; node ${process.version}` +
      `\nload average at each round: ${loads.join(' | ')}\n`,
  )
  console.log(
    '| subject | Gbit/s per run | mark-compacts per run | scavenges per run | mark-compacts per GB (median) | Gbit/s (median) |',
  )
  console.log('| --- | --- | --- | --- | ---: | ---: |')
  for (const name of NAMES) {
    const runs = results[name]
    console.log(
      `| ${name} | ${runs.map((r) => r.gbits.toFixed(2)).join(' ')} | ${runs.map((r) => r.markCompact).join(' ')} | ` +
        `${runs.map((r) => r.scavenge).join(' ')} | ${median(runs.map((r) => r.markCompact / Math.max(r.gb, 0.001))).toFixed(2)} | ` +
        `${median(runs.map((r) => r.gbits)).toFixed(2)} |`,
    )
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
