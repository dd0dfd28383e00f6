#!/usr/bin/env node
// Runs the packages' benchmarks against the built packages, one after another, and prints their tables.
//
//   pnpm build && node scripts/bench.mjs                 full runs (minutes; the figures in docs/benchmarks.md)
//   node scripts/bench.mjs --smoke                       short runs: CI proves every benchmark still works
//   node scripts/bench.mjs --smoke engine forwarder      only these packages
//
// A benchmark that crashes or exits non-zero fails the run. Targets are judged by reading the tables side by side
// (this is a shared 2-core machine: compare ratios from one run), never by a timed assertion.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')

/** The DICOM bench (full: the figures in docs/benchmarks.md; smoke: 5 objects) with these extra arguments. */
function dicomVip(...extra) {
  const full = ['--objects', '300', '--associations', '30', '--echoes', '300', '--rounds', '3', ...extra]
  const smoke = ['--objects', '5', '--associations', '2', '--echoes', '6', '--rounds', '1', ...extra]
  return ['cli', 'dicom-vip.mjs', full, smoke, []]
}

/** package, script, full-run arguments, smoke-run arguments, node flags */
const BENCHES = [
  ['topology', 'lookup.mjs', [], ['--smoke'], ['--expose-gc']],
  ['dicom', 'codec.mjs', [], ['--smoke'], []],
  ['dicom', 'echo.mjs', ['300'], ['20'], []],
  ['dicom', 'worst-case.mjs', [], ['--smoke'], []],
  ['health', 'scale.mjs', [], ['--targets', '500', '--duration', '3', '--warmup', '1'], []],
  ['resolver', 'resolver.mjs', [], ['--quick'], ['--expose-gc']],
  ['engine', 'wire-micro.mjs', [], ['--quick'], []],
  ['engine', 'dnsperf.mjs', [], ['--quick'], []],
  [
    'forwarder',
    'run.mjs',
    ['--seconds', '4', '--rounds', '5'],
    ['--seconds', '1', '--idle', '500', '--settle', '1'],
    [],
  ],
  ['forwarder', 'gc-churn.mjs', [], ['--rounds', '1', '--seconds', '1'], []],
  ['cli', 'failover.mjs', ['5'], ['1'], []],
  ['cli', 'answer-timing.mjs', [], ['--smoke'], []],
  ['cli', 'check-latency.mjs', [], ['--smoke'], []],
  dicomVip(),
  dicomVip('--nodelay'),
  // the network a hospital has (namespaces, MTU 1500, the LB on a CPU of its own; root): as shipped, with the
  // advised quickack routes, and without Nagle on a modality's 1 Gbit/s link
  dicomVip('--network', '--pin'),
  dicomVip('--network', '--pin', '--quickack'),
  dicomVip('--network', '--pin', '--nodelay', '--link-mbit', '1000'),
]

const args = process.argv.slice(2)
const smoke = args.includes('--smoke')
const only = args.filter((arg) => !arg.startsWith('--'))
let failed = 0
let ran = 0
for (const [pkg, script, fullArgs, smokeArgs, nodeFlags] of BENCHES) {
  if (only.length > 0 && !only.includes(pkg)) continue
  const file = join(root, 'packages', pkg, 'bench', script)
  if (!existsSync(file)) {
    console.error(`missing benchmark ${file}`)
    failed++
    continue
  }
  const runArgs = [...nodeFlags, file, ...(smoke ? smokeArgs : fullArgs)]
  if (runArgs.includes('--network') && process.getuid?.() !== 0) {
    console.log(
      `\n## ${pkg}/bench/${script} ${(smoke ? smokeArgs : fullArgs).join(' ')}: skipped (needs root)`,
    )
    continue
  }
  console.log(`\n## ${pkg}/bench/${script}${smoke ? ' (smoke)' : ''}\n\n$ node ${runArgs.join(' ')}\n`)
  const started = Date.now()
  const result = spawnSync(process.execPath, runArgs, {
    cwd: root,
    stdio: 'inherit',
    timeout: smoke ? 240_000 : 1_800_000,
  })
  ran++
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (result.status !== 0) {
    console.error(
      `\n${pkg}/bench/${script} FAILED (exit ${result.status ?? result.signal}) after ${seconds} s`,
    )
    failed++
  } else {
    console.log(`\n(${pkg}/bench/${script}: ${seconds} s)`)
  }
}
console.log(`\nbenchmarks: ${ran - failed} ran, ${failed} failed`)
process.exit(failed > 0 || ran === 0 ? 1 : 0)
