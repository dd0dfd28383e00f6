// What timing DNS answers for gslb_dns_answer_duration_seconds costs per query: the engine's answer() alone, with
// the node's sampling wrapper (1 in 16 timed), and with every answer timed. Same engine, same query, one process.
// Run against the built package: pnpm --filter @gslb/cli build && node packages/cli/bench/answer-timing.mjs [--smoke]

import { createEngine } from '@gslb/engine'
import { median } from '../../../scripts/bench-stats.mjs'
import { createMetrics, sampleAnswerTime } from '../dist/index.js'

const smoke = process.argv.includes('--smoke')
const ROUNDS = smoke ? 2 : 21
const PER_ROUND = smoke ? 20_000 : 200_000

function aQuery(name) {
  const labels = name.split('.').flatMap((label) => [label.length, ...Buffer.from(label)])
  return Uint8Array.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1])
}

function engine() {
  const created = createEngine({
    config: {
      zones: { 'dicom.mysite.com': { ns: [{ name: 'ns1.dicom.mysite.com', addresses: ['10.1.0.11'] }] } },
      pools: { dicom: { members: [{ name: 'siteA', address: '10.1.0.100' }] } },
      names: { 'dicom.mysite.com': { pool: 'dicom' } },
    },
  })
  created.setHealth('dicom', 'siteA', 'up')
  return created
}

const query = aQuery('dicom.mysite.com')
const client = { address: '10.1.2.3', port: 40000, transport: 'udp' }
const metrics = createMetrics()
const observe = (seconds) => metrics.recordAnswerSeconds(seconds)
// As at scrape time: the kept samples go into the histogram (the cost moves out of the query path).
const scrape = setInterval(
  () => void metrics.registry.getSingleMetricAsString('gslb_dns_answer_duration_seconds'),
  15,
)
const variants = {
  'answer() alone': engine(),
  'sampled 1 in 16 (the node)': engine(),
  'every answer timed': engine(),
  'every answer timed, straight into the histogram': engine(),
}
const [, sampled, every, direct] = Object.values(variants)
sampleAnswerTime(sampled, observe, 16)
sampleAnswerTime(every, observe, 1)
sampleAnswerTime(direct, (seconds) => metrics.dnsAnswerSeconds.observe(seconds), 1)

if (variants['answer() alone'].answer(query, client) === null) throw new Error('the engine did not answer')
const samples = Object.fromEntries(Object.keys(variants).map((label) => [label, []]))
for (let round = 0; round < ROUNDS; round++) {
  await new Promise((resolve) => setTimeout(resolve, 30)) // a scrape empties the kept samples
  for (const [label, subject] of Object.entries(variants)) {
    // CPU time of this process, not wall time: other processes on a loaded machine do not count.
    const started = process.cpuUsage()
    for (let i = 0; i < PER_ROUND; i++) subject.answer(query, client)
    const used = process.cpuUsage(started)
    const ns = ((used.user + used.system) * 1000) / PER_ROUND
    samples[label].push(ns)
  }
}
// Rounds interleave the variants, so a busy moment of this shared machine hits all of them; the median resists it.
const best = Object.fromEntries(Object.entries(samples).map(([label, values]) => [label, median(values)]))
const base = best['answer() alone']
console.log(`| variant | CPU ns/answer (median of ${ROUNDS} rounds) | added |`)
console.log('| --- | ---: | ---: |')
for (const [label, ns] of Object.entries(best)) {
  console.log(
    `| ${label} | ${ns.toFixed(0)} | ${label === 'answer() alone' ? '' : `+${(ns - base).toFixed(0)} ns (${(((ns - base) / base) * 100).toFixed(1)} %)`} |`,
  )
}
clearInterval(scrape)
for (const subject of Object.values(variants)) await subject.close()
