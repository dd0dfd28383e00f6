// What a modality feels: dcmtk storescu → storescp directly vs through `gslb-lb run`'s VIP, in interleaved rounds
// (warm-up thrown away, then --rounds rounds in a shuffled order), medians and the ratio of medians.
//   - a study: --objects (default 300) objects of 512 KiB in one association;
//   - associations: --associations (default 30) short associations per round: echoscu and storescu of one object
//     each, direct and through the VIP back to back in a random order (paired: the difference of each pair is free
//     of the machine's drift);
//   - setup latency: --echoes (default 300) in-process C-ECHO associations (@gslb/dicom echo(), no process start
//     in the number), paired the same way: what the VIP adds to connect + A-ASSOCIATE + C-ECHO + release.
// Needs the built CLI (`pnpm --filter @gslb/forwarder --filter @gslb/cli build`) and dcmtk (dump2dcm, storescu,
// storescp, echoscu).
//   node packages/cli/bench/dicom-vip.mjs [--objects 300] [--associations 30] [--echoes 300] [--rounds 3]
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePort, waitPort } from '../../../scripts/bench-ports.mjs'
import { median } from '../../../scripts/bench-stats.mjs'
import { echo } from '../../dicom/dist/index.js'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const cliBin = join(here, '../dist/bin.cjs')
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? Number(args[at + 1]) : fallback
}
const OBJECTS = option('objects', 300)
const ASSOCIATIONS = option('associations', 30)
const ROUNDS = option('rounds', 3)
const ECHOES = option('echoes', 300)
const OBJECT_BYTES = 512 * 1024
const dir = mkdtempSync(join(tmpdir(), 'gslb-dicom-vip-'))
const children = []

/** OBJECTS Secondary Capture objects of 512 KiB (random pixels), one study, each its own SOP Instance UID. */
async function makeStudy() {
  writeFileSync(join(dir, 'pixels.raw'), Buffer.alloc(OBJECT_BYTES, 7))
  const template = '1.2.826.0.1.3680043.8.498.1.100000000000000000000'
  writeFileSync(
    join(dir, 'object.dump'),
    [
      '(0008,0016) UI =SecondaryCaptureImageStorage',
      `(0008,0018) UI [${template}]`,
      '(0008,0060) CS [OT]',
      '(0010,0010) PN [BENCH^PATIENT]',
      '(0010,0020) LO [BENCH001]',
      '(0020,000d) UI [1.2.826.0.1.3680043.8.498.2.1]',
      '(0020,000e) UI [1.2.826.0.1.3680043.8.498.3.1]',
      '(0028,0002) US 1',
      '(0028,0004) CS [MONOCHROME2]',
      '(0028,0010) US 512',
      '(0028,0011) US 1024',
      '(0028,0100) US 8',
      '(0028,0101) US 8',
      '(0028,0102) US 7',
      '(0028,0103) US 0',
      `(7fe0,0010) OB =${join(dir, 'pixels.raw')}`,
      '',
    ].join('\n'),
  )
  await run('dump2dcm', ['--write-xfer-little', join(dir, 'object.dump'), join(dir, 'object.dcm')])
  const object = readFileSync(join(dir, 'object.dcm'))
  const at = object.indexOf(template)
  const files = []
  for (let i = 0; i < OBJECTS; i++) {
    const copy = Buffer.from(object)
    // same length: the last digits of the UID number the copies
    const suffix = String(i).padStart(6, '0')
    copy.write(suffix, at + template.length - suffix.length, 'latin1')
    const path = join(dir, `object-${suffix}.dcm`)
    writeFileSync(path, copy)
    files.push(path)
  }
  return files
}

const cell = (values, digits = 2) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')

/** Seconds to store the whole study in one association. */
async function storeStudy(port, files) {
  const started = process.hrtime.bigint()
  await run('storescu', ['-aec', 'PACS', '127.0.0.1', String(port), ...files], { maxBuffer: 16 << 20 })
  return Number(process.hrtime.bigint() - started) / 1e9
}

const elapsedMs = async (work) => {
  const started = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - started) / 1e6
}

/** Both paths back to back in a random order; returns { direct, vip } milliseconds. */
async function pair(paths, measure) {
  const order = Math.random() < 0.5 ? ['direct', 'vip'] : ['vip', 'direct']
  const ms = {}
  for (const path of order) ms[path] = await measure(paths[path])
  return ms
}

/** Paired short associations: echoscu, and storescu of one object. */
async function associations(paths, files, into) {
  for (let i = 0; i < ASSOCIATIONS; i++) {
    const echoes = await pair(paths, (port) =>
      elapsedMs(() => run('echoscu', ['-aec', 'PACS', '127.0.0.1', String(port)])),
    )
    const stores = await pair(paths, (port) =>
      elapsedMs(() => run('storescu', ['-aec', 'PACS', '127.0.0.1', String(port), files[i % files.length]])),
    )
    for (const path of ['direct', 'vip']) {
      into.echo[path].push(echoes[path])
      into.store[path].push(stores[path])
    }
  }
}

/** Paired in-process C-ECHO associations: the setup latency without a process start in it. */
async function inProcessEchoes(paths, count, into) {
  for (let i = 0; i < count; i++) {
    const ms = await pair(paths, async (port) => {
      const started = process.hrtime.bigint()
      const result = await echo({ host: '127.0.0.1', port, calledAE: 'PACS', timeoutMs: 5_000 })
      if (!result.ok)
        throw new Error(`C-ECHO to port ${port} failed: ${result.reason ?? JSON.stringify(result)}`)
      return Number(process.hrtime.bigint() - started) / 1e6
    })
    into.direct.push(ms.direct)
    into.vip.push(ms.vip)
  }
}

const differences = (samples) => samples.vip.map((vip, i) => vip - samples.direct[i])

try {
  const files = await makeStudy()
  const pacsPort = await freePort()
  const vipPort = await freePort()
  const pacs = spawn('storescp', ['--ignore', '-aet', 'PACS', String(pacsPort)], { stdio: 'ignore' })
  children.push(pacs)
  writeFileSync(
    join(dir, 'gslb-lb.json'),
    JSON.stringify({
      node: { name: 'bench' },
      admin: { listen: { address: '127.0.0.1', port: await freePort() } },
      logging: { level: 'info', format: 'json' },
      services: {
        pacs: {
          listen: [{ address: '127.0.0.1', port: vipPort }],
          backends: [{ address: '127.0.0.1', port: pacsPort }],
          sniffDicom: true,
        },
      },
    }),
  )
  const node = spawn(process.execPath, [cliBin, 'run', '-c', join(dir, 'gslb-lb.json')], { stdio: 'ignore' })
  children.push(node)
  await waitPort(pacsPort)
  await waitPort(vipPort)
  const paths = { direct: pacsPort, vip: vipPort }
  const study = { direct: [], vip: [] }
  const short = { echo: { direct: [], vip: [] }, store: { direct: [], vip: [] } }
  const setup = { direct: [], vip: [] }
  const loads = []
  for (let round = 0; round <= ROUNDS; round++) {
    loads.push(load())
    const order = Math.random() < 0.5 ? ['direct', 'vip'] : ['vip', 'direct']
    for (const path of order) {
      const seconds = await storeStudy(paths[path], files)
      if (round > 0) study[path].push((OBJECTS * OBJECT_BYTES * 8) / seconds / 1e9)
    }
    // the warm-up round's associations are thrown away too
    const into = round === 0 ? { echo: { direct: [], vip: [] }, store: { direct: [], vip: [] } } : short
    await associations(paths, files, into)
    await inProcessEchoes(
      paths,
      round === 0 ? 20 : Math.ceil(ECHOES / ROUNDS),
      round === 0 ? { direct: [], vip: [] } : setup,
    )
  }
  loads.push(load())
  console.log(
    `${OBJECTS} objects of 512 KiB in one association; ${ASSOCIATIONS} paired echoscu and storescu associations and ` +
      `${Math.ceil(ECHOES / ROUNDS)} paired in-process C-ECHOs per round; ${ROUNDS} rounds after a warm-up; ` +
      `node ${process.version}\nload average (1/5/15 min) at each round: ${loads.join(' | ')}\n`,
  )
  const ms = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(3)} ms`
  console.log(
    '| median (min–max) | direct | through gslb-lb run | VIP / direct | median of paired differences |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: |')
  console.log(
    `| study throughput (Gbit/s) | ${cell(study.direct, 3)} | ${cell(study.vip, 3)} | ` +
      `${(median(study.vip) / median(study.direct)).toFixed(3)}× | — |`,
  )
  for (const [label, samples] of [
    ['echoscu association (ms, process start included)', short.echo],
    ['one-object storescu association (ms, process start included)', short.store],
  ]) {
    console.log(
      `| ${label} | ${cell(samples.direct)} | ${cell(samples.vip)} | ` +
        `${(median(samples.direct) / median(samples.vip)).toFixed(3)}× (speed) | ${ms(median(differences(samples)))} |`,
    )
  }
  console.log(
    `| in-process C-ECHO association: connect, associate, echo, release (ms) | ${cell(setup.direct, 3)} | ` +
      `${cell(setup.vip, 3)} | ${(median(setup.direct) / median(setup.vip)).toFixed(3)}× (speed) | ` +
      `${ms(median(differences(setup)))} |`,
  )
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
