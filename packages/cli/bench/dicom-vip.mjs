// What a modality feels: dcmtk storescu → storescp directly vs through `gslb-lb run`'s VIP, in interleaved rounds
// (warm-up thrown away, then --rounds rounds in a shuffled order), medians and the ratio of medians.
//   - a study: --objects (default 300) objects of 512 KiB in one association;
//   - associations: --associations (default 30) short associations: echoscu (the setup latency the VIP adds)
//     and storescu of one object each.
// Needs the built CLI (`pnpm --filter @gslb/forwarder --filter @gslb/cli build`) and dcmtk (dump2dcm, storescu,
// storescp, echoscu).
//   node packages/cli/bench/dicom-vip.mjs [--objects 300] [--associations 30] [--rounds 3]
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePort, waitPort } from '../../../scripts/bench-ports.mjs'
import { median } from '../../../scripts/bench-stats.mjs'

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

/**
 * Milliseconds per short association, median of ASSOCIATIONS: C-ECHO (connect, A-ASSOCIATE, echo, release) and
 * storescu of one object.
 */
async function associations(port, files) {
  const echo = []
  const store = []
  for (let i = 0; i < ASSOCIATIONS; i++) {
    let started = process.hrtime.bigint()
    await run('echoscu', ['-aec', 'PACS', '127.0.0.1', String(port)])
    echo.push(Number(process.hrtime.bigint() - started) / 1e6)
    started = process.hrtime.bigint()
    await run('storescu', ['-aec', 'PACS', '127.0.0.1', String(port), files[i % files.length]])
    store.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  return { echo: median(echo), store: median(store) }
}

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
  const setup = { direct: [], vip: [] }
  const short = { direct: [], vip: [] }
  const loads = []
  for (let round = 0; round <= ROUNDS; round++) {
    loads.push(load())
    const order = Math.random() < 0.5 ? ['direct', 'vip'] : ['vip', 'direct']
    for (const path of order) {
      const seconds = await storeStudy(paths[path], files)
      const perAssociation = await associations(paths[path], files)
      if (round === 0) continue // warm-up
      study[path].push((OBJECTS * OBJECT_BYTES * 8) / seconds / 1e9)
      setup[path].push(perAssociation.echo)
      short[path].push(perAssociation.store)
    }
  }
  loads.push(load())
  console.log(
    `${OBJECTS} objects of 512 KiB in one association; ${ASSOCIATIONS} echoscu associations per round; ` +
      `${ROUNDS} interleaved rounds after a warm-up; node ${process.version}\n` +
      `load average (1/5/15 min) at each round: ${loads.join(' | ')}\n`,
  )
  console.log('| median (min–max) | direct | through gslb-lb run | VIP / direct |')
  console.log('| --- | ---: | ---: | ---: |')
  console.log(
    `| study throughput (Gbit/s) | ${cell(study.direct, 3)} | ${cell(study.vip, 3)} | ` +
      `${(median(study.vip) / median(study.direct)).toFixed(3)}× |`,
  )
  console.log(
    `| C-ECHO association (ms, median per round) | ${cell(setup.direct)} | ${cell(setup.vip)} | ` +
      `${(median(setup.vip) - median(setup.direct)).toFixed(2)} ms |`,
  )
  console.log(
    `| one-object storescu association (ms, median per round) | ${cell(short.direct)} | ${cell(short.vip)} | ` +
      `${(median(short.direct) / median(short.vip)).toFixed(3)}× (speed) |`,
  )
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
