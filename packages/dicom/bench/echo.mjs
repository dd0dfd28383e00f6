// echo() round trips against the built package: node packages/dicom/bench/echo.mjs [count]
// Compares in-process echo() with spawning dcmtk's echoscu (what appliances do), side by side in one run.
import { execFile } from 'node:child_process'
import { createVerificationServer, echo } from '../dist/index.js'

const count = Number(process.argv[2] ?? 300)
const server = createVerificationServer({
  aeTitle: 'PACS_MAIN',
  host: '127.0.0.1',
  port: 0,
  maxConnections: 256,
})
await server.start()
const { port } = server.address()

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function sequential(label, once, n) {
  const times = []
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    await once()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return [
    label,
    n,
    percentile(times, 50),
    percentile(times, 99),
    1000 / (times.reduce((a, b) => a + b, 0) / n),
  ]
}

async function concurrent(label, once, n, width) {
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next++ < n) await once()
    }),
  )
  const total = performance.now() - started
  return [label, n, NaN, NaN, (n / total) * 1000]
}

const ourEcho = async () => {
  const result = await echo({ host: '127.0.0.1', port, calledAE: 'PACS_MAIN', timeoutMs: 5_000 })
  if (!result.ok) throw new Error(result.reason)
}
const echoscu = () =>
  new Promise((resolve, reject) =>
    execFile('echoscu', ['-aec', 'PACS_MAIN', '127.0.0.1', String(port)], (error) =>
      error ? reject(error) : resolve(),
    ),
  )

await sequential('warm-up', ourEcho, 50)
const rows = [
  await sequential('echo() sequential', ourEcho, count),
  await sequential('echoscu spawn sequential', echoscu, Math.max(20, Math.floor(count / 10))),
  await concurrent('echo() 32 concurrent', ourEcho, count * 2, 32),
]
await server.close()

const fmt = (v) => (Number.isNaN(v) ? '–' : v.toFixed(2))
console.log('| method | n | p50 ms | p99 ms | echoes/s |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const [label, n, p50, p99, rate] of rows)
  console.log(`| ${label} | ${n} | ${fmt(p50)} | ${fmt(p99)} | ${Math.round(rate)} |`)
