// What a modality feels: dcmtk storescu → storescp directly, through `gslb-lb run`'s VIP, and through HAProxy (the
// equivalent peer: mode tcp, nbthread 1), interleaved (../../../shared/reference/benchmarking.md): a warm-up round
// thrown away, then --rounds rounds; medians, min–max, ratios of medians against direct.
//   - a study: --objects (default 300) objects of 512 KiB in one association, each path once per round;
//   - associations: --associations (default 30) per round of echoscu and of storescu with one object, the three
//     paths back to back in a random order for each (so the differences to direct are paired and free of drift);
//   - setup latency: --echoes (default 300) in-process C-ECHO associations (@gslb/dicom echo(): connect, associate,
//     echo, release, without a process start in the number), grouped the same way.
// dcmtk leaves Nagle's algorithm on (no TCP_NODELAY) by default, as many modalities do; --nodelay runs storescp and
// the clients with TCP_NODELAY=1 (dcmtk's switch), which shows what the proxies cost without the 40 ms
// Nagle/delayed-ACK stalls of the endpoints.
// Needs the built CLI (`pnpm --filter @gslb/forwarder --filter @gslb/cli build`), dcmtk (dump2dcm, storescu, storescp,
// echoscu) and haproxy.
//   node packages/cli/bench/dicom-vip.mjs [--objects 300] [--associations 30] [--echoes 300] [--rounds 3] [--nodelay]
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePort, waitPort } from '../../../scripts/bench-ports.mjs'
import { median, shuffle } from '../../../scripts/bench-stats.mjs'
import { echo } from '../../dicom/dist/index.js'

const execFileAsync = promisify(execFile)
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
const NODELAY = args.includes('--nodelay')
const DCMTK_ENV = NODELAY ? { ...process.env, TCP_NODELAY: '1' } : process.env
const run = (command, commandArgs, options = {}) =>
  execFileAsync(command, commandArgs, { env: DCMTK_ENV, ...options })
const PATHS = ['direct', 'gslb-lb run', 'haproxy']
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
const byPath = () => Object.fromEntries(PATHS.map((path) => [path, []]))

const elapsedMs = async (work) => {
  const started = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - started) / 1e6
}

/** Seconds to store the whole study in one association. */
const storeStudy = async (port, files) =>
  (await elapsedMs(() =>
    run('storescu', ['-aec', 'PACS', '127.0.0.1', String(port), ...files], { maxBuffer: 16 << 20 }),
  )) / 1e3

/** One measure on every path back to back, in a random order; pushed into `into[path]`. */
async function group(ports, into, measure) {
  for (const path of shuffle(PATHS)) into[path].push(await measure(ports[path]))
}

/** Grouped short associations: echoscu, and storescu of one object. */
async function associations(ports, files, into) {
  for (let i = 0; i < ASSOCIATIONS; i++) {
    await group(ports, into.echo, (port) =>
      elapsedMs(() => run('echoscu', ['-aec', 'PACS', '127.0.0.1', String(port)])),
    )
    await group(ports, into.store, (port) =>
      elapsedMs(() => run('storescu', ['-aec', 'PACS', '127.0.0.1', String(port), files[i % files.length]])),
    )
  }
}

/** Grouped in-process C-ECHO associations: the setup latency without a process start in it. */
async function inProcessEchoes(ports, count, into) {
  for (let i = 0; i < count; i++) {
    await group(ports, into, (port) =>
      elapsedMs(async () => {
        const result = await echo({ host: '127.0.0.1', port, calledAE: 'PACS', timeoutMs: 5_000 })
        if (!result.ok) throw new Error(`C-ECHO to port ${port} failed: ${result.reason}`)
      }),
    )
  }
}

/** Median of the paired differences to direct (same group, back to back). */
const pairedDifference = (samples, path) => median(samples[path].map((value, i) => value - samples.direct[i]))

try {
  const files = await makeStudy()
  const pacsPort = await freePort()
  const ports = { direct: pacsPort, 'gslb-lb run': await freePort(), haproxy: await freePort() }
  const pacs = spawn('storescp', ['--ignore', '-aet', 'PACS', String(pacsPort)], {
    stdio: 'ignore',
    env: DCMTK_ENV,
  })
  children.push(pacs)
  writeFileSync(
    join(dir, 'gslb-lb.json'),
    JSON.stringify({
      node: { name: 'bench' },
      admin: { listen: { address: '127.0.0.1', port: await freePort() } },
      logging: { level: 'info', format: 'json' },
      services: {
        pacs: {
          listen: [{ address: '127.0.0.1', port: ports['gslb-lb run'] }],
          backends: [{ address: '127.0.0.1', port: pacsPort }],
          sniffDicom: true,
        },
      },
    }),
  )
  children.push(
    spawn(process.execPath, [cliBin, 'run', '-c', join(dir, 'gslb-lb.json')], { stdio: 'ignore' }),
  )
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    'global\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n' +
      `frontend vip\n  bind 127.0.0.1:${ports.haproxy}\n  default_backend pacs\n` +
      `backend pacs\n  server pacs 127.0.0.1:${pacsPort}\n`,
  )
  children.push(spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' }))
  for (const port of Object.values(ports)) await waitPort(port)
  const study = byPath()
  const short = { echo: byPath(), store: byPath() }
  const setup = byPath()
  const loads = []
  for (let round = 0; round <= ROUNDS; round++) {
    loads.push(load())
    // the warm-up round's numbers are thrown away
    const warm = round === 0
    const studyInto = warm ? byPath() : study
    await group(
      ports,
      studyInto,
      async (port) => (OBJECTS * OBJECT_BYTES * 8) / (await storeStudy(port, files)) / 1e9,
    )
    await associations(ports, files, warm ? { echo: byPath(), store: byPath() } : short)
    await inProcessEchoes(ports, warm ? 20 : Math.ceil(ECHOES / ROUNDS), warm ? byPath() : setup)
  }
  loads.push(load())
  console.log(
    `${OBJECTS} objects of 512 KiB in one association; per round ${ASSOCIATIONS} echoscu and ${ASSOCIATIONS} ` +
      `one-object storescu associations and ${Math.ceil(ECHOES / ROUNDS)} in-process C-ECHOs on each path, grouped; ` +
      `${ROUNDS} rounds after a warm-up; dcmtk ${NODELAY ? 'with TCP_NODELAY=1' : 'as shipped (Nagle on)'}; ` +
      `haproxy nbthread 1; node ${process.version}\nload average (1/5/15 min) at each round: ${loads.join(' | ')}\n`,
  )
  const ms = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms`
  console.log(
    '| median (min–max) | direct | gslb-lb run | haproxy | gslb-lb run / direct | haproxy / direct |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  console.log(
    `| study throughput (Gbit/s) | ${PATHS.map((path) => cell(study[path], 3)).join(' | ')} | ` +
      `${(median(study['gslb-lb run']) / median(study.direct)).toFixed(3)}× | ` +
      `${(median(study.haproxy) / median(study.direct)).toFixed(3)}× |`,
  )
  for (const [label, samples, digits] of [
    ['echoscu association (ms, process start included)', short.echo, 1],
    ['one-object storescu association (ms, process start included)', short.store, 1],
    ['in-process C-ECHO association (ms)', setup, 2],
  ]) {
    const versus = (path) =>
      `${(median(samples.direct) / median(samples[path])).toFixed(3)}× speed, ${ms(pairedDifference(samples, path))} paired`
    console.log(
      `| ${label} | ${PATHS.map((path) => cell(samples[path], digits)).join(' | ')} | ${versus('gslb-lb run')} | ` +
        `${versus('haproxy')} |`,
    )
  }
  console.log(
    `\nassociations slower than direct's median by 30 ms or more (a Nagle/delayed-ACK stall): ` +
      PATHS.map((path) => {
        const slow = (samples) => samples[path].filter((value) => value - median(samples.direct) >= 30).length
        return `${path} ${slow(short.echo) + slow(short.store)}/${short.echo[path].length + short.store[path].length}`
      }).join(', '),
  )
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
