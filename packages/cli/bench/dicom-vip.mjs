// What a modality feels: dcmtk storescu → storescp directly, through `gslb-lb run`'s VIP, and through HAProxy (the
// equivalent peer: mode tcp, nbthread 1), interleaved (../../../shared/reference/benchmarking.md): a warm-up round
// thrown away, then --rounds rounds; medians, min–max, ratios of medians against direct.
//   - a study: --objects (default 300) objects of 512 KiB in one association, each path once per round;
//   - associations: --associations (default 30) per round of echoscu and of storescu with one object, the three
//     paths back to back in a random order for each (so the differences to direct are paired and free of drift);
//   - setup latency: --echoes (default 300) C-ECHO associations by @gslb/dicom echo() (connect, associate, echo,
//     release) in one long-lived client process, without a process start in the number, grouped the same way.
// dcmtk leaves Nagle's algorithm on (no TCP_NODELAY) by default, as many modalities do; --nodelay runs storescp and
// the clients with TCP_NODELAY=1 (dcmtk's switch), which shows what the proxies cost without the 40 ms
// Nagle/delayed-ACK stalls of the endpoints.
// Where it runs:
//   - default: everything on 127.0.0.1 (loopback's 64 KiB MTU, every process on both cores);
//   - --network (root): the network a hospital has — three namespaces, modality ⇄ LB ⇄ PACS over veth pairs with
//     Ethernet's 1500-byte MTU; the LB namespace routes the direct path (a router, as in the field) and runs the two
//     proxies on its VIP address; --quickack sets `quickack 1` on the LB's routes to the modalities and to the PACS
//     (what docs/operations.md advises where DICOM peers keep Nagle on);
//   - --link-mbit N (with --network): the modality's link shaped to N Mbit/s each way (tc tbf), as a modality's NIC
//     is — both paths cross it;
//   - --pin: the endpoints (modality and PACS) on CPU 0, the LB on CPU 1 — the LB as a machine of its own rather
//     than a third process competing with both endpoints for two cores.
// Needs the built packages (`pnpm --filter @gslb/dicom --filter @gslb/forwarder --filter @gslb/cli build`), dcmtk
// (dump2dcm, storescu, storescp, echoscu) and haproxy; --network needs root and iproute2 (ip, ss; tc with the kernel's
// tbf qdisc for --link-mbit), --pin util-linux's taskset and CPUs 0 and 1.
//   node packages/cli/bench/dicom-vip.mjs [--objects 300] [--associations 30] [--echoes 300] [--rounds 3] [--nodelay]
//     [--network [--quickack] [--link-mbit 1000]] [--pin]
import { execFile, execFileSync, spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { constants, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { alive } from '../../../lab/lib/sh.mjs'
import { freePort, waitPort } from '../../../scripts/bench-ports.mjs'
import { median, shuffle } from '../../../scripts/bench-stats.mjs'

const execFileAsync = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const cliBin = join(here, '../dist/bin.cjs')
const dicomModule = pathToFileURL(join(here, '../../dicom/dist/index.js')).href
const args = process.argv.slice(2)
/** Bound of one setup command (ip, tc, taskset): they answer at once or something is wrong. */
const SETUP_TIMEOUT_MS = 10_000
/** Whether taskset may place a process on these CPUs (absent CPUs or a narrower cpuset say no). */
function mayRunOn(cpus) {
  try {
    execFileSync('taskset', ['-c', cpus, 'true'], { stdio: 'ignore', timeout: SETUP_TIMEOUT_MS })
    return true
  } catch {
    return false
  }
}
const refuse = (why) => {
  console.error(`dicom-vip: ${why}`)
  process.exit(2)
}
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`)
  if (at < 0) return fallback
  const value = Number(args[at + 1])
  if (!Number.isInteger(value) || value <= 0)
    refuse(`--${name} takes a positive integer, not '${args[at + 1]}'`)
  return value
}
const FLAGS = ['--nodelay', '--network', '--quickack', '--pin']
const VALUED = ['--objects', '--associations', '--rounds', '--echoes', '--link-mbit']
for (let i = 0; i < args.length; i++) {
  if (VALUED.includes(args[i])) i++
  else if (!FLAGS.includes(args[i]))
    refuse(`unknown argument '${args[i]}' (options: ${[...VALUED, ...FLAGS].join(' ')})`)
}
const OBJECTS = option('objects', 300)
const ASSOCIATIONS = option('associations', 30)
const ROUNDS = option('rounds', 3)
const ECHOES = option('echoes', 300)
const NODELAY = args.includes('--nodelay')
const NETWORK = args.includes('--network')
const QUICKACK = args.includes('--quickack')
const PIN = args.includes('--pin')
const LINK_MBIT = option('link-mbit', 0)
if (QUICKACK && !NETWORK) refuse('--quickack sets a route in the LB namespace: it needs --network')
if (LINK_MBIT && !NETWORK)
  refuse('--link-mbit shapes the modality link of the namespaces: it needs --network')
if (NETWORK && process.getuid?.() !== 0)
  refuse('--network builds network namespaces (ip netns): run it as root')
if (PIN && !mayRunOn('0,1'))
  refuse('--pin puts the endpoints on CPU 0 and the LB on CPU 1: this process may not use both')
const DCMTK_ENV = NODELAY ? { ...process.env, TCP_NODELAY: '1' } : process.env
const PATHS = ['direct', 'gslb-lb run', 'haproxy']
const OBJECT_BYTES = 512 * 1024
const dir = mkdtempSync(join(tmpdir(), 'gslb-dicom-vip-'))
const children = []

/** The three places of a DICOM path; on loopback they are all this machine. Names carry this run's pid. */
const runId = process.pid
const NAMESPACE_NAME = /^gb-dv(\d+)-[mlp]$/
const NAMESPACES = { modality: `gb-dv${runId}-m`, lb: `gb-dv${runId}-l`, pacs: `gb-dv${runId}-p` }
/** veth ends (≤ 15 characters): the modality's, the LB's toward the modality, the LB's toward the PACS, the PACS's. */
const DEVICES = {
  modality: `dv${runId}m`,
  lbToModality: `dv${runId}lm`,
  lbToPacs: `dv${runId}lp`,
  pacs: `dv${runId}p`,
}
const SUBNETS = { modality: '10.231.1', pacs: '10.231.2' }
const ADDRESSES = NETWORK
  ? {
      modality: `${SUBNETS.modality}.2`,
      vip: `${SUBNETS.modality}.1`,
      lbToPacs: `${SUBNETS.pacs}.1`,
      pacs: `${SUBNETS.pacs}.2`,
    }
  : { modality: '127.0.0.1', vip: '127.0.0.1', lbToPacs: '127.0.0.1', pacs: '127.0.0.1' }
const createdNamespaces = []
const CPU = { modality: '0', pacs: '0', lb: '1' }

/** argv that runs a command at a place: in its namespace (--network) and on its CPU (--pin). */
function argvAt(place, command, commandArgs) {
  let argv = [command, ...commandArgs]
  if (PIN) argv = ['taskset', '-c', CPU[place], ...argv]
  if (NETWORK) argv = ['ip', 'netns', 'exec', NAMESPACES[place], ...argv]
  return argv
}
/** A dcmtk client run at a place, killed after `timeoutMs` (a stalled path fails the bench instead of hanging it). */
const run = (place, command, commandArgs, { timeoutMs = 30_000, ...options } = {}) => {
  const [file, ...rest] = argvAt(place, command, commandArgs)
  const running = execFileAsync(file, rest, {
    env: DCMTK_ENV,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    ...options,
  })
  children.push(running.child)
  return running.finally(() => {
    const at = children.indexOf(running.child)
    if (at >= 0) children.splice(at, 1)
  })
}
const died = []
/** A daemon at a place; its stderr goes to <dir>/<name>.log, and an early exit is reported by waitListening. */
const spawnDaemon = (place, name, command, commandArgs, options = {}) => {
  const [file, ...rest] = argvAt(place, command, commandArgs)
  const log = openSync(join(dir, `${name}.log`), 'a')
  const child = spawn(file, rest, { stdio: ['ignore', 'ignore', log], env: DCMTK_ENV, ...options })
  closeSync(log)
  child.on('error', (error) => died.push(`${name} could not start: ${error.message}`))
  child.on('exit', (code, signal) => {
    if (!stopping) died.push(`${name} exited (${signal ?? `code ${code}`}): ${logTail(name)}`)
  })
  children.push(child)
  return child
}
const logTail = (name) => {
  try {
    return (
      readFileSync(join(dir, `${name}.log`), 'utf8')
        .trim()
        .split('\n')
        .slice(-3)
        .join(' | ') || '(no output)'
    )
  } catch {
    return '(no log)'
  }
}
let stopping = false

/** A setup command, bounded; a failure throws with its stderr. */
const setupCommand = (command, commandArgs) =>
  execFileSync(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: SETUP_TIMEOUT_MS,
    encoding: 'utf8',
  })
const ip = (...ipArgs) => setupCommand('ip', ipArgs)

/** modality ⇄ LB ⇄ PACS over two veth pairs (MTU 1500); the LB routes between them. */
function buildNetwork() {
  removeStaleNamespaces()
  for (const ns of Object.values(NAMESPACES)) {
    ip('netns', 'add', ns)
    createdNamespaces.push(ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
  }
  const link = (aNs, aDev, aAddress, bNs, bDev, bAddress) => {
    ip('link', 'add', aDev, 'netns', aNs, 'type', 'veth', 'peer', 'name', bDev, 'netns', bNs)
    for (const [ns, dev, address] of [
      [aNs, aDev, aAddress],
      [bNs, bDev, bAddress],
    ]) {
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev)
      ip('-n', ns, 'link', 'set', dev, 'up')
    }
  }
  link(
    NAMESPACES.modality,
    DEVICES.modality,
    ADDRESSES.modality,
    NAMESPACES.lb,
    DEVICES.lbToModality,
    ADDRESSES.vip,
  )
  link(NAMESPACES.lb, DEVICES.lbToPacs, ADDRESSES.lbToPacs, NAMESPACES.pacs, DEVICES.pacs, ADDRESSES.pacs)
  ip('-n', NAMESPACES.modality, 'route', 'add', 'default', 'via', ADDRESSES.vip)
  ip('-n', NAMESPACES.pacs, 'route', 'add', 'default', 'via', ADDRESSES.lbToPacs)
  // no sysctl binary needed (procps is not on every minimal image)
  ip('netns', 'exec', NAMESPACES.lb, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward')
  if (LINK_MBIT) {
    // the bucket holds 2 ms of the rate and at least one 64 KiB GSO packet; 10 ms of queue like a switch port
    const burst = Math.max(128 * 1024, Math.round((LINK_MBIT * 1e6) / 8 / 500))
    for (const [ns, dev] of [
      [NAMESPACES.modality, DEVICES.modality],
      [NAMESPACES.lb, DEVICES.lbToModality],
    ]) {
      setupCommand('tc', [
        '-n',
        ns,
        'qdisc',
        'add',
        'dev',
        dev,
        'root',
        'tbf',
        'rate',
        `${LINK_MBIT}mbit`,
        'burst',
        String(burst),
        'latency',
        '10ms',
      ])
    }
  }
  if (QUICKACK) {
    // the LB acknowledges at once on both of its links: toward the modality and toward the PACS
    for (const [subnet, dev, source] of [
      [`${SUBNETS.modality}.0/24`, DEVICES.lbToModality, ADDRESSES.vip],
      [`${SUBNETS.pacs}.0/24`, DEVICES.lbToPacs, ADDRESSES.lbToPacs],
    ]) {
      ip(
        '-n',
        NAMESPACES.lb,
        'route',
        'change',
        subnet,
        'dev',
        dev,
        'proto',
        'kernel',
        'scope',
        'link',
        'src',
        source,
        'quickack',
        '1',
      )
    }
  }
}

function removeNetwork() {
  for (const ns of createdNamespaces.splice(0)) {
    try {
      ip('netns', 'del', ns)
    } catch {
      // already gone: nothing to remove
    }
  }
}

/** Namespaces of earlier runs that were killed before they could remove them (their pid is gone). */
function removeStaleNamespaces() {
  const listed = ip('netns', 'list')
  for (const line of listed.split('\n')) {
    const name = line.split(' ')[0]
    const pid = NAMESPACE_NAME.exec(name)?.[1]
    if (pid === undefined || alive(Number(pid))) continue
    ip('netns', 'del', name)
  }
}

/** Until something listens on the port at that place. */
async function waitListening(place, address, port, deadlineMs = 15_000) {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    if (died.length > 0) throw new Error(died.join('; '))
    if (!NETWORK) {
      // a short wait per try, so that a daemon's early exit is seen between tries
      try {
        return await waitPort(port, 500)
      } catch (error) {
        if (Date.now() > deadline) throw error
        continue
      }
    }
    const { stdout } = await execFileAsync('ip', [
      'netns',
      'exec',
      NAMESPACES[place],
      'ss',
      '-Hltn',
      `sport = :${port}`,
    ])
    if (stdout.trim() !== '') return
    if (Date.now() > deadline)
      throw new Error(`nothing listens on ${address}:${port} in ${NAMESPACES[place]}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

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
  await execFileAsync('dump2dcm', ['--write-xfer-little', join(dir, 'object.dump'), join(dir, 'object.dcm')])
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

/**
 * A long-lived client process at the modality's place that times @gslb/dicom echo() associations: one line
 * `host port` in, one line with the milliseconds (or `error …`) out.
 */
function startEchoClient() {
  const script = join(dir, 'echo-client.mjs')
  writeFileSync(
    script,
    `import { createInterface } from 'node:readline'
import { echo } from ${JSON.stringify(dicomModule)}
for await (const line of createInterface({ input: process.stdin })) {
  const [host, port] = line.split(' ')
  const started = process.hrtime.bigint()
  const result = await echo({ host, port: Number(port), calledAE: 'PACS', timeoutMs: 5_000 })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  process.stdout.write(result.ok ? ms + '\\n' : 'error ' + result.reason + '\\n')
}
`,
  )
  const child = spawnDaemon('modality', 'echo-client', process.execPath, [script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let broken = null
  child.stdin.on('error', (error) => {
    broken = error
  })
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  return async (host, port) => {
    if (broken !== null) throw new Error(`the echo client's input failed: ${broken.message}`)
    child.stdin.write(`${host} ${port}\n`)
    let timer
    const silent = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the echo client said nothing for 10 s (${host}:${port})`)),
        10_000,
      )
    })
    const { value, done } = await Promise.race([replies.next(), silent]).finally(() => clearTimeout(timer))
    if (done) throw new Error(`the echo client ended: ${died.join('; ') || 'no reason given'}`)
    if (value.startsWith('error')) throw new Error(`C-ECHO to ${host}:${port} failed: ${value}`)
    const ms = Number(value)
    if (!Number.isFinite(ms)) throw new Error(`the echo client answered '${value}'`)
    return ms
  }
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
const storeStudy = async ({ host, port }, files) =>
  (await elapsedMs(() =>
    run('modality', 'storescu', ['-aec', 'PACS', host, String(port), ...files], {
      maxBuffer: 16 << 20,
      timeoutMs: 300_000,
    }),
  )) / 1e3

/** One measure on every path back to back, in a random order; pushed into `into[path]`. */
async function group(targets, into, measure) {
  for (const path of shuffle(PATHS)) into[path].push(await measure(targets[path]))
}

/** Grouped short associations: echoscu, and storescu of one object. */
async function associations(targets, files, into) {
  for (let i = 0; i < ASSOCIATIONS; i++) {
    await group(targets, into.echo, ({ host, port }) =>
      elapsedMs(() => run('modality', 'echoscu', ['-aec', 'PACS', host, String(port)])),
    )
    await group(targets, into.store, ({ host, port }) =>
      elapsedMs(() =>
        run('modality', 'storescu', ['-aec', 'PACS', host, String(port), files[i % files.length]]),
      ),
    )
  }
}

/** Grouped C-ECHO associations from the long-lived client: the setup latency without a process start in it. */
async function clientEchoes(targets, count, into, timeEcho) {
  for (let i = 0; i < count; i++) await group(targets, into, ({ host, port }) => timeEcho(host, port))
}

/** Median of the paired differences to direct (same group, back to back). */
const pairedDifference = (samples, path) => median(samples[path].map((value, i) => value - samples.direct[i]))

/** Synchronous and idempotent, so it also runs from 'exit' (a crash outside the try included). */
const stopEverything = () => {
  stopping = true
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  if (NETWORK) removeNetwork()
  rmSync(dir, { recursive: true, force: true })
}
process.on('exit', stopEverything)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopEverything()
    process.exit(128 + constants.signals[signal])
  })
}

try {
  if (NETWORK) buildNetwork()
  const files = await makeStudy()
  const pacsPort = NETWORK ? 11112 : await freePort()
  const vipPorts = {
    'gslb-lb run': NETWORK ? 104 : await freePort(),
    haproxy: NETWORK ? 1104 : await freePort(),
  }
  const targets = {
    direct: { host: ADDRESSES.pacs, port: pacsPort },
    'gslb-lb run': { host: ADDRESSES.vip, port: vipPorts['gslb-lb run'] },
    haproxy: { host: ADDRESSES.vip, port: vipPorts.haproxy },
  }
  // -dhl: no reverse lookup of the caller's address (in a namespace it waits for a resolver that is not there)
  spawnDaemon('pacs', 'storescp', 'storescp', ['-dhl', '--ignore', '-aet', 'PACS', String(pacsPort)])
  writeFileSync(
    join(dir, 'gslb-lb.json'),
    JSON.stringify({
      node: { name: 'bench' },
      admin: { listen: { address: '127.0.0.1', port: NETWORK ? 9900 : await freePort() } },
      logging: { level: 'info', format: 'json' },
      services: {
        pacs: {
          listen: [{ address: ADDRESSES.vip, port: vipPorts['gslb-lb run'] }],
          backends: [{ address: ADDRESSES.pacs, port: pacsPort }],
          sniffDicom: true,
        },
      },
    }),
  )
  spawnDaemon('lb', 'gslb-lb', process.execPath, [cliBin, 'run', '-c', join(dir, 'gslb-lb.json')], {
    env: process.env,
  })
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    'global\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n' +
      `frontend vip\n  bind ${ADDRESSES.vip}:${vipPorts.haproxy}\n  default_backend pacs\n` +
      `backend pacs\n  server pacs ${ADDRESSES.pacs}:${pacsPort}\n`,
  )
  spawnDaemon('lb', 'haproxy', 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { env: process.env })
  await waitListening('pacs', ADDRESSES.pacs, pacsPort)
  for (const port of Object.values(vipPorts)) await waitListening('lb', ADDRESSES.vip, port)
  const timeEcho = startEchoClient()
  const study = byPath()
  const shortAssociations = { echo: byPath(), store: byPath() }
  const echoSetupMs = byPath()
  const loads = []
  for (let round = 0; round <= ROUNDS; round++) {
    loads.push(load())
    // the warm-up round's numbers are thrown away
    const warm = round === 0
    const studyInto = warm ? byPath() : study
    await group(
      targets,
      studyInto,
      async (target) => (OBJECTS * OBJECT_BYTES * 8) / (await storeStudy(target, files)) / 1e9,
    )
    await associations(targets, files, warm ? { echo: byPath(), store: byPath() } : shortAssociations)
    await clientEchoes(
      targets,
      warm ? 20 : Math.ceil(ECHOES / ROUNDS),
      warm ? byPath() : echoSetupMs,
      timeEcho,
    )
  }
  loads.push(load())
  const where = NETWORK
    ? `network namespaces: modality ⇄ veth (MTU 1500) ⇄ LB (routes the direct path, runs both proxies${QUICKACK ? ', quickack 1 on its routes' : ''}) ⇄ veth ⇄ PACS${LINK_MBIT ? `; the modality's link shaped to ${LINK_MBIT} Mbit/s` : ''}`
    : 'loopback (127.0.0.1)'
  console.log(
    `${OBJECTS} objects of 512 KiB in one association; per round ${ASSOCIATIONS} echoscu and ${ASSOCIATIONS} ` +
      `one-object storescu associations and ${Math.ceil(ECHOES / ROUNDS)} client C-ECHOs on each path, grouped; ` +
      `${ROUNDS} rounds after a warm-up; dcmtk ${NODELAY ? 'with TCP_NODELAY=1' : 'as shipped (Nagle on)'}; ` +
      `haproxy nbthread 1; node ${process.version}\n${where}; ` +
      `${PIN ? 'modality and PACS on CPU 0, the LB on CPU 1' : 'no CPU pinning'}\n` +
      `load average (1/5/15 min) at each round: ${loads.join(' | ')}\n`,
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
    ['echoscu association (ms, process start included)', shortAssociations.echo, 1],
    ['one-object storescu association (ms, process start included)', shortAssociations.store, 1],
    ['C-ECHO association from a running client (ms)', echoSetupMs, 2],
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
        return `${path} ${slow(shortAssociations.echo) + slow(shortAssociations.store)}/${shortAssociations.echo[path].length + shortAssociations.store[path].length}`
      }).join(', '),
  )
} catch (error) {
  console.error(`dicom-vip: ${error.message}`)
  process.exitCode = 1
} finally {
  stopEverything()
}
