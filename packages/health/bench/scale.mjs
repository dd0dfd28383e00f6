// Scale benchmark: one checker, N tcp targets at a 1 s interval against loopback listeners in a child process.
// Prints scheduling lag percentiles, checks/s, starvation (checks per target) and CPU used by the checker process.
// Run against the built package: pnpm --filter @gslb/health build && node packages/health/bench/scale.mjs
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createHealthChecker } from '../dist/index.js'

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '2000' },
    interval: { type: 'string', default: '1000' },
    timeout: { type: 'string', default: '500' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    listeners: { type: 'string', default: '4' },
    'max-concurrent': { type: 'string', default: '256' },
    // 'accept': listeners accept and close (checks succeed in ~1 ms). 'silent': listeners never answer and the
    // monitor expects a reply, so every check runs into its timeout: shows the concurrency cap and fairness.
    mode: { type: 'string', default: 'accept' },
    listener: { type: 'boolean', default: false },
  },
})

if (values.listener) {
  // Child mode: loopback listeners that accept, read and close; ports go back to the parent over IPC.
  const { createServer } = await import('node:net')
  const servers = []
  for (let i = 0; i < Number(values.listeners); i++) {
    const server = createServer((socket) => {
      socket.on('error', () => {})
      socket.resume()
      socket.on('end', () => socket.end())
    })
    server.maxConnections = 10_000
    await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve))
    servers.push(server)
  }
  process.send({ ports: servers.map((s) => s.address().port) })
  process.on('disconnect', () => process.exit(0))
} else {
  await main()
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function main() {
  const targets = Number(values.targets)
  const interval = Number(values.interval)
  const durationMs = Number(values.duration) * 1000
  const warmupMs = Number(values.warmup) * 1000
  const child = fork(fileURLToPath(import.meta.url), ['--listener', '--listeners', values.listeners], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const { ports } = await new Promise((resolve) => child.once('message', resolve))

  const health = createHealthChecker({ maxConcurrent: Number(values['max-concurrent']) })
  for (let i = 0; i < targets; i++) {
    health.add({
      id: `bench/${i}`,
      address: '127.0.0.1',
      port: ports[i % ports.length],
      intervalMs: interval,
      timeoutMs: Number(values.timeout),
      monitor: values.mode === 'silent' ? { type: 'tcp', expect: 'never' } : { type: 'tcp' },
    })
  }

  let measuring = false
  const lags = []
  const perTarget = new Map()
  let failures = 0
  const failureCodes = new Map()
  let peakInFlight = 0
  health.on('check:result', ({ id, result }) => {
    if (!measuring) return
    lags.push(result.lagMs)
    perTarget.set(id, (perTarget.get(id) ?? 0) + 1)
    if (!result.ok) {
      failures++
      failureCodes.set(result.code, (failureCodes.get(result.code) ?? 0) + 1)
    }
  })
  const sampler = setInterval(() => {
    peakInFlight = Math.max(peakInFlight, health.snapshot().inFlight)
  }, 250)

  health.start()
  await new Promise((resolve) => setTimeout(resolve, warmupMs))
  measuring = true
  const cpuStart = process.cpuUsage()
  const t0 = performance.now()
  await new Promise((resolve) => setTimeout(resolve, durationMs))
  measuring = false
  const elapsed = performance.now() - t0
  const cpu = process.cpuUsage(cpuStart)
  clearInterval(sampler)
  const snapshot = health.snapshot()
  await health.close({ deadlineMs: 0 })
  child.disconnect()

  lags.sort((a, b) => a - b)
  const counts = [...perTarget.values()]
  const minPerTarget = counts.length === targets ? Math.min(...counts) : 0
  const maxPerTarget = counts.length > 0 ? Math.max(...counts) : 0
  const expectedPerTarget = elapsed / interval
  const cpuMs = (cpu.user + cpu.system) / 1000
  const rows = [
    ['mode', values.mode],
    ['targets', targets],
    ['listeners', ports.length],
    ['interval / timeout (ms)', `${interval} / ${values.timeout}`],
    ['measured (s)', (elapsed / 1000).toFixed(1)],
    ['checks', lags.length],
    ['checks/s', (lags.length / (elapsed / 1000)).toFixed(0)],
    [
      'failed checks',
      `${failures}${failures ? ` (${[...failureCodes].map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}`,
    ],
    ['lag p50 (ms)', percentile(lags, 50).toFixed(2)],
    ['lag p90 (ms)', percentile(lags, 90).toFixed(2)],
    ['lag p99 (ms)', percentile(lags, 99).toFixed(2)],
    ['lag max (ms)', (lags.at(-1) ?? Number.NaN).toFixed(2)],
    [
      'checks per target min / max (expected)',
      `${minPerTarget} / ${maxPerTarget} (${expectedPerTarget.toFixed(1)})`,
    ],
    ['peak in flight (cap)', `${peakInFlight} (${values['max-concurrent']})`],
    ['CPU user + sys (ms)', cpuMs.toFixed(0)],
    ['CPU (% of one core)', ((cpuMs / elapsed) * 100).toFixed(1)],
    ['targets up at end', snapshot.counts.up],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  console.log(`| ${'metric'.padEnd(width)} | value |`)
  console.log(`| ${'-'.repeat(width)} | ----- |`)
  for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`)
  const p99 = percentile(lags, 99)
  if (values.mode === 'accept') {
    const ok = p99 < 100 && minPerTarget >= Math.floor(expectedPerTarget * 0.8)
    console.log(
      `\ntarget: p99 lag < 100 ms and no target below 80 % of its expected checks → ${ok ? 'PASS' : 'FAIL'}`,
    )
    process.exitCode = ok ? 0 : 1
  } else {
    const ok = peakInFlight <= Number(values['max-concurrent']) && maxPerTarget - minPerTarget <= 2
    console.log(
      `\ntarget: never above the cap and checks shared evenly (max − min ≤ 2) → ${ok ? 'PASS' : 'FAIL'}`,
    )
    process.exitCode = ok ? 0 : 1
  }
}
