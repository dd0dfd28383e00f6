// Flap benchmark (issue 11, "checks flap under load"): healthy loopback targets (tcp listeners and @gslb/dicom
// verification servers, in a child process) checked at --rate checks/s while this box is loaded — worker threads
// busy-looping on every core and, in the checker's own thread, event-loop blocks of 50–300 ms at random (seeded, the
// same sequence for every arm of a round). Arms (profile + checker logic) run in interleaved rounds (ABBA...).
// Counts false downs per arm, then times the detection of real outages with each arm: a target killed (SIGKILL:
// connections refused) and a target hung (SIGSTOP: the kernel still accepts, nothing answers).
//
//   pnpm --filter @gslb/dicom --filter @gslb/health build
//   node packages/health/bench/flap.mjs                 full run (~8 min; the figures in docs/benchmarks.md)
//   node packages/health/bench/flap.mjs --smoke         CI: every path once, short
//
// Arms: 'old-*' = the profiles and logic before issue 11 (wall-clock timeouts: maxLagCredit 0; timeouts count like
// any failure: timeoutFall = fall). 'new-*' = HEALTH_PROFILES in packages/cli/src/constants.ts (keep them equal) with
// the checker's defaults. Judge by comparing arms of one run: this is a shared 2-core machine.

import { fork } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { seededRandom } from '../../../scripts/bench-stats.mjs'

const PROFILES = {
  'old-normal': { interval: 2_000, timeout: 1_000, rise: 2, fall: 3, legacy: true },
  'old-fast': { interval: 1_000, timeout: 500, rise: 2, fall: 2, legacy: true },
  /** The old fast profile with the new logic: what the logic alone changes. */
  'lag-aware-old-fast': { interval: 1_000, timeout: 500, rise: 2, fall: 2 },
  'new-normal': { interval: 2_000, timeout: 1_000, rise: 2, fall: 3 },
  'new-fast': { interval: 1_000, timeout: 800, rise: 2, fall: 2 },
}

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    // default: every arm; with --smoke, old-fast and new-fast
    arms: { type: 'string', default: '' },
    rate: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    'round-seconds': { type: 'string', default: '20' },
    drills: { type: 'string', default: '3' },
    'hog-workers': { type: 'string', default: String(Math.min(2, availableParallelism())) },
    'block-min': { type: 'string', default: '50' },
    'block-max': { type: 'string', default: '300' },
    'block-every': { type: 'string', default: '1000' },
    // where the checker's thread blocks: in a timer callback, in the check phase (setImmediate), or either at random
    'block-phase': { type: 'string', default: 'mixed' },
    seed: { type: 'string', default: '11' },
    // > 0: the targets' process blocks its own loop too (0–this many ms, same rate): a slow server, not an outage
    'target-block-max': { type: 'string', default: '0' },
    role: { type: 'string', default: '' },
  },
})

/** A worker thread that keeps one core busy until told to stop (or for at most workerData.maxMs). */
function hog() {
  const stopAt = Date.now() + workerData.maxMs
  let stop = false
  parentPort.on('message', () => {
    stop = true
  })
  const spin = () => {
    const sliceEnd = performance.now() + 50
    while (performance.now() < sliceEnd) {
      // busy
    }
    if (!stop && Date.now() < stopAt) setImmediate(spin)
    else process.exit(0)
  }
  spin()
}

async function serve(tcpCount, dicomCount) {
  const { createServer } = await import('node:net')
  const { createVerificationServer } = await import('@gslb/dicom')
  const tcp = []
  for (let i = 0; i < tcpCount; i++) {
    const server = createServer((socket) => {
      socket.on('error', () => {})
      socket.resume()
      socket.on('end', () => socket.end())
    })
    server.maxConnections = 10_000
    await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve))
    tcp.push(server.address().port)
  }
  const dicom = []
  for (let i = 0; i < dicomCount; i++) {
    const server = createVerificationServer({
      aeTitle: 'BENCH',
      port: 0,
      host: '127.0.0.1',
      maxConnections: 1000,
    })
    await server.start()
    dicom.push(server.address().port)
  }
  return { tcp, dicom }
}

async function targetsChild() {
  process.send(await serve(4, 4))
  const max = Number(values['target-block-max'])
  if (max > 0) startBlocks(Number(values.seed) + 7, { min: 0, max, every: Number(values['block-every']) })
  process.on('disconnect', () => process.exit(0))
}

async function victimChild() {
  process.send(await serve(1, 1))
  process.on('disconnect', () => process.exit(0))
}

/** Child processes alive, killed on any exit (a SIGSTOPped victim cannot notice that we went away). */
const children = new Set()
function killChildren() {
  for (const child of children) child.kill('SIGKILL')
}

function startChild(role) {
  const args = ['--role', role, '--seed', values.seed, '--block-every', values['block-every']]
  args.push('--target-block-max', values['target-block-max'])
  const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('message', (ports) => resolve({ child, ports }))
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function busy(ms) {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // busy
  }
}

/**
 * Event-loop blocks in this thread at random (seeded) until stopped; returns stop() → total blocked ms. Half of them
 * run in a timer callback: timers set later in that loop iteration start from the stale pre-block loop time, so
 * checks started then get a deadline shortened by the block. The other half run in the check phase (setImmediate,
 * where a job started from an I/O callback runs): after it libuv runs the overdue timers before polling for I/O.
 */
function startBlocks(seed, settings) {
  const random = seededRandom(seed)
  let total = 0
  let timer
  let immediate
  const next = () => {
    timer = setTimeout(
      () => {
        const block = () => {
          const ms = settings.min + random() * (settings.max - settings.min)
          busy(ms)
          total += ms
          next()
        }
        const inTimer = settings.phase === 'timer' || (settings.phase === 'mixed' && random() < 0.5)
        if (inTimer) block()
        else immediate = setImmediate(block)
      },
      random() * 2 * settings.every,
    )
  }
  next()
  return () => {
    clearTimeout(timer)
    clearImmediate(immediate)
    return total
  }
}

function checkerOptions(profile) {
  const { interval, timeout, rise, fall, legacy } = profile
  return {
    defaults: {
      intervalMs: interval,
      timeoutMs: timeout,
      rise,
      fall,
      ...(legacy ? { timeoutFall: fall } : {}),
    },
    ...(legacy ? { maxLagCredit: 0 } : {}),
  }
}

async function flapRound(createHealthChecker, arm, ports, seed, settings) {
  const profile = PROFILES[arm]
  const health = createHealthChecker(checkerOptions(profile))
  const targets = Math.max(2, Math.round((settings.rate * profile.interval) / 1000))
  for (let i = 0; i < targets; i++) {
    const dicom = i % 2 === 1
    const list = dicom ? ports.dicom : ports.tcp
    health.add({
      id: `${dicom ? 'dicom' : 'tcp'}/${i}`,
      address: '127.0.0.1',
      port: list[i % list.length],
      monitor: dicom ? { type: 'dicom', calledAE: 'BENCH' } : { type: 'tcp' },
    })
  }
  const stats = { checks: 0, failed: new Map(), falseDowns: 0, flapped: new Set(), blockedMs: 0 }
  let measuring = false
  health.on('check:result', ({ result }) => {
    if (!measuring) return
    stats.checks++
    if (!result.ok) stats.failed.set(result.code, (stats.failed.get(result.code) ?? 0) + 1)
  })
  health.on('target:change', ({ id, current }) => {
    if (!measuring || current !== 'down') return
    stats.falseDowns++
    stats.flapped.add(id)
  })
  health.start()
  await sleep(profile.interval + 500) // every target checked once, loop quiet
  measuring = true
  const stopBlocks = startBlocks(seed, settings)
  await sleep(settings.roundMs)
  stats.blockedMs = stopBlocks()
  measuring = false
  stats.targets = targets
  await health.close({ deadlineMs: 0 })
  return stats
}

/** Time from killing (SIGKILL) or hanging (SIGSTOP) a target process to the checker marking it down, per monitor. */
async function detect(createHealthChecker, arm, how, seed, settings) {
  const profile = PROFILES[arm]
  const { child, ports } = await startChild('victim')
  const health = createHealthChecker(checkerOptions(profile))
  const ids = how === 'hang' ? ['dicom'] : ['tcp', 'dicom']
  for (const id of ids) {
    health.add({
      id,
      address: '127.0.0.1',
      port: id === 'tcp' ? ports.tcp[0] : ports.dicom[0],
      monitor: id === 'tcp' ? { type: 'tcp' } : { type: 'dicom', calledAE: 'BENCH' },
      initialState: 'up',
    })
  }
  const downAt = new Map()
  let outageAt = 0
  health.on('target:change', ({ id, current }) => {
    if (current === 'down' && outageAt > 0 && !downAt.has(id)) downAt.set(id, performance.now() - outageAt)
  })
  health.start()
  const stopBlocks = startBlocks(seed, settings)
  // a random phase against the check schedule
  await sleep(profile.interval + seededRandom(seed)() * profile.interval)
  outageAt = performance.now()
  child.kill(how === 'hang' ? 'SIGSTOP' : 'SIGKILL')
  const limit = outageAt + 10 * profile.interval + 5 * profile.timeout
  while (downAt.size < ids.length && performance.now() < limit) await sleep(20)
  stopBlocks()
  await health.close({ deadlineMs: 0 })
  child.kill('SIGKILL')
  return Object.fromEntries(ids.map((id) => [id, downAt.get(id) ?? Number.POSITIVE_INFINITY]))
}

function summary(list) {
  if (list.length === 0) return '–'
  const sorted = [...list].sort((a, b) => a - b)
  const fmt = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)}` : 'never')
  return `${fmt(sorted[Math.floor((sorted.length - 1) / 2)])} / ${fmt(sorted.at(-1))}`
}

async function main() {
  const { createHealthChecker } = await import('../dist/index.js')
  const smoke = values.smoke
  const arms = values.arms ? values.arms.split(',') : smoke ? ['old-fast', 'new-fast'] : Object.keys(PROFILES)
  for (const arm of arms)
    if (!PROFILES[arm]) throw new Error(`unknown arm '${arm}' (${Object.keys(PROFILES).join(', ')})`)
  const rounds = smoke ? 1 : Number(values.rounds)
  const drills = smoke ? 1 : Number(values.drills)
  const settings = {
    rate: smoke ? 50 : Number(values.rate),
    roundMs: (smoke ? 4 : Number(values['round-seconds'])) * 1000,
    min: Number(values['block-min']),
    max: Number(values['block-max']),
    every: Number(values['block-every']),
    phase: values['block-phase'],
  }
  const hogWorkers = Number(values['hog-workers'])
  const budgetMs =
    rounds * arms.length * (settings.roundMs + 3_000) + drills * arms.length * 3 * 15_000 + 30_000

  console.log(
    `rate ${settings.rate} checks/s per arm, ${rounds} round(s) × ${settings.roundMs / 1000} s, ` +
      `${hogWorkers} hog worker(s), main-thread blocks ${settings.min}–${settings.max} ms every ~${settings.every} ms, ` +
      `${drills} outage drill(s) per kind`,
  )
  const workers = Array.from(
    { length: hogWorkers },
    () => new Worker(fileURLToPath(import.meta.url), { workerData: { maxMs: budgetMs } }),
  )
  process.once('exit', killChildren)
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      killChildren()
      process.exit(130)
    })
  }
  const { child, ports } = await startChild('targets')
  const results = new Map(arms.map((arm) => [arm, { flap: [], kill: { tcp: [], dicom: [] }, hang: [] }]))
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? arms : [...arms].reverse()
      for (const arm of order) {
        const stats = await flapRound(createHealthChecker, arm, ports, Number(values.seed) + round, settings)
        results.get(arm).flap.push(stats)
        const failed = [...stats.failed].map(([code, n]) => `${code} ${n}`).join(', ') || 'none'
        console.log(
          `round ${round + 1} ${arm}: ${stats.targets} targets, ${stats.checks} checks, failed: ${failed}; ` +
            `false downs ${stats.falseDowns} (${stats.flapped.size} targets); loop blocked ${Math.round(stats.blockedMs)} ms`,
        )
      }
    }
    for (let drill = 0; drill < drills; drill++) {
      const order = drill % 2 === 0 ? arms : [...arms].reverse()
      for (const arm of order) {
        const seed = Number(values.seed) * 1000 + drill
        const killed = await detect(createHealthChecker, arm, 'kill', seed, settings)
        results.get(arm).kill.tcp.push(killed.tcp)
        results.get(arm).kill.dicom.push(killed.dicom)
        const hung = await detect(createHealthChecker, arm, 'hang', seed, settings)
        results.get(arm).hang.push(hung.dicom)
      }
    }
  } finally {
    child.kill('SIGKILL')
    for (const worker of workers) worker.postMessage('stop')
  }

  console.log(
    '\n| arm | interval / timeout / rise / fall / timeoutFall | logic | checks | failed checks | false downs (targets) | killed → down tcp, dicom (median / max s) | hung → down dicom (median / max s) |',
  )
  console.log('| --- | --- | --- | ---: | --- | ---: | --- | --- |')
  for (const arm of arms) {
    const p = PROFILES[arm]
    const r = results.get(arm)
    const checks = r.flap.reduce((n, s) => n + s.checks, 0)
    const failed = new Map()
    for (const s of r.flap) for (const [code, n] of s.failed) failed.set(code, (failed.get(code) ?? 0) + n)
    const downs = r.flap.reduce((n, s) => n + s.falseDowns, 0)
    const flapped = r.flap.reduce((n, s) => n + s.flapped.size, 0)
    const logic = p.legacy ? 'wall-clock timeout' : 'loop-lag aware'
    const timeoutFall = p.legacy ? p.fall : p.fall + 1
    console.log(
      `| ${arm} | ${p.interval} / ${p.timeout} / ${p.rise} / ${p.fall} / ${timeoutFall} | ${logic} | ${checks} | ` +
        `${[...failed].map(([code, n]) => `${code} ${n}`).join(', ') || 'none'} | ${downs} (${flapped}) | ` +
        `${summary(r.kill.tcp)}, ${summary(r.kill.dicom)} | ${summary(r.hang)} |`,
    )
  }
  const undetected = [...results.values()].some((r) =>
    [...r.kill.tcp, ...r.kill.dicom, ...r.hang].some((ms) => !Number.isFinite(ms)),
  )
  if (undetected) {
    console.error('\nan outage was never detected')
    process.exitCode = 1
  }
}

if (!isMainThread) hog()
else if (values.role === 'targets') await targetsChild()
else if (values.role === 'victim') await victimChild()
else await main()
