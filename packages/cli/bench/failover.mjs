// How long a modality would wait when a site fails, through the real DNS-proxy path on loopback.
// Run against the built package: pnpm --filter @gslb/cli build && node packages/cli/bench/failover.mjs [rounds]
import { Writable } from 'node:stream'
import { echo } from '@gslb/dicom'
import { startDemo } from '../dist/index.js'

const rounds = Number(process.argv[2] ?? 5)
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() })
const io = { stdout: quiet, stderr: quiet, env: process.env }

async function echoLandsAt(demo) {
  const before = { A: demo.sites.A.echoes, B: demo.sites.B.echoes }
  const result = await echo({
    host: demo.vip.address,
    port: demo.vip.port,
    callingAE: 'GSLB_DEMO',
    timeoutMs: 2_000,
  })
  if (!result.ok) return null
  return demo.sites.A.echoes > before.A ? 'A' : demo.sites.B.echoes > before.B ? 'B' : null
}

/** Echo every 50 ms until one lands at `site`; returns [ms, failed associations on the way]. */
async function until(demo, site, limitMs = 15_000) {
  const start = performance.now()
  let failed = 0
  for (;;) {
    const landed = await echoLandsAt(demo)
    if (landed === site) return [performance.now() - start, failed]
    if (landed === null) failed++
    if (performance.now() - start > limitMs)
      throw new Error(`no echo reached site ${site} within ${limitMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const scenarios = {
  "site A's PACS dies (cluster VIP stays up), DNS proxy without retryOnEmpty": {
    setup: async (demo) => {
      const config = structuredClone(demo.node.config)
      config.services.DICOM_DNS_PROXY.retryOnEmpty = false
      await demo.node.reload(config)
    },
    fail: (demo) => demo.sites.A.kill(),
    restore: (demo) => demo.sites.A.start(),
  },
  "site A's PACS dies (cluster VIP stays up), DNS proxy with retryOnEmpty (the demo's setting)": {
    fail: (demo) => demo.sites.A.kill(),
    restore: (demo) => demo.sites.A.start(),
  },
  "site A's cluster VIP disappears": {
    fail: async (demo) => {
      const { DICOM_CLUSTER_A, ...others } = demo.node.config.services
      demo.saved = { config: demo.node.config, cluster: DICOM_CLUSTER_A }
      await demo.node.reload({ ...demo.node.config, services: others })
    },
    restore: (demo) => demo.node.reload(demo.saved.config),
  },
  "site A's PACS dies; cluster A has site B's PACS as backup": {
    setup: async (demo) => {
      const config = structuredClone(demo.node.config)
      config.services.DICOM_CLUSTER_A.backends.push({
        address: '127.0.0.1',
        port: demo.sites.B.port,
        backup: true,
      })
      await demo.node.reload(config)
    },
    fail: (demo) => demo.sites.A.kill(),
    restore: (demo) => demo.sites.A.start(),
  },
}

const rows = []
for (const [name, scenario] of Object.entries(scenarios)) {
  const demo = await startDemo({ vipPort: 0, adminPort: 0 }, io)
  try {
    await scenario.setup?.(demo)
    await until(demo, 'A')
    const toB = []
    const backToA = []
    let failed = 0
    for (let i = 0; i < rounds; i++) {
      await scenario.fail(demo)
      const [ms, lost] = await until(demo, 'B')
      toB.push(ms)
      failed += lost
      // Stay failed long enough for the checks to notice, so "back to A" measures recovery (rise), not luck.
      await new Promise((resolve) => setTimeout(resolve, 2_000))
      await scenario.restore(demo)
      const [back] = await until(demo, 'A')
      backToA.push(back)
    }
    const stat = (list) => {
      const sorted = [...list].sort((a, b) => a - b)
      return `${sorted[Math.floor(sorted.length / 2)].toFixed(0)} / ${sorted.at(-1).toFixed(0)}`
    }
    rows.push([name, String(rounds), String(failed), stat(toB), stat(backToA)])
  } finally {
    await demo.close()
  }
}

const header = [
  'scenario (demo: checks every 500 ms, fall 2, rise 2; restore after 2 s)',
  'rounds',
  'failed echoes',
  'ms to site B (median / max)',
  'ms back to A (median / max)',
]
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
console.log(line(header))
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`)
for (const row of rows) console.log(line(row))
