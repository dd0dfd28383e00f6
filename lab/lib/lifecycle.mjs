// `lab up`, `lab status`, `lab down`.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { writeConfigs } from './configs.mjs'
import { admin, dig, echo, holdersOf, start, stop } from './daemons.mjs'
import { buildNetwork, existingNamespaces, processesInNamespaces, removeNetwork } from './network.mjs'
import {
  balancers,
  CLI,
  clusterVip,
  DICOM_NAME,
  ECS_RESOLVER,
  logFile,
  machines,
  modalityVip,
  PEERS,
  PRIMARY_DNS,
  pacsDir,
  pacsOf,
  SITES,
  STATE_DIR,
} from './plan.mjs'
import { alive, readPid, sleep } from './sh.mjs'

/** What stops the lab from running here, as sentences naming what to do; empty when nothing does. */
export function preflight() {
  const problems = []
  if (process.platform !== 'linux') problems.push('the lab needs Linux network namespaces')
  if (process.getuid?.() !== 0) {
    problems.push('the lab needs root (network namespaces, bridges, keepalived): run it with sudo')
  }
  const missing = new Set()
  for (const [binary, pkg] of Object.entries(PEERS)) {
    const found = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((dir) => existsSync(`${dir}/${binary}`))
    if (!found) missing.add(pkg)
  }
  if (missing.size > 0) problems.push(`missing Debian packages: apt-get install -y ${[...missing].join(' ')}`)
  if (!existsSync(CLI))
    problems.push(`${CLI} is missing: build the CLI first (pnpm --filter @gslb/cli... build)`)
  return problems
}

/**
 * Polls every `check` together until all hold; throws naming the ones that did not. `broken()` may return a reason
 * to stop waiting at once (a daemon died).
 */
export async function until(checks, timeoutMs, broken = () => undefined) {
  const deadline = Date.now() + timeoutMs
  let failing = []
  for (;;) {
    const reason = broken()
    if (reason) throw new Error(reason)
    failing = []
    for (const [what, probe] of checks) {
      const ok = await probe().catch(() => false)
      if (!ok) failing.push(what)
    }
    if (failing.length === 0) return
    if (Date.now() >= deadline) throw new Error(`not healthy after ${timeoutMs} ms: ${failing.join('; ')}`)
    await sleep(500)
  }
}

/** The lab is healthy: one holder per VIP, every engine and node fit, a C-ECHO through each site's VIP. */
export function healthChecks() {
  const checks = []
  for (const site of SITES) {
    for (const vip of [modalityVip(site), clusterVip(site)]) {
      checks.push([
        `exactly one balancer holds ${vip}`,
        async () => (await holdersOf(vip, site)).length === 1,
      ])
    }
    const modality = machines('modality', site)[0]
    checks.push([
      `a C-ECHO from ${modality.ns} through ${modalityVip(site)}`,
      () => echo(modality.ns, modalityVip(site)),
    ])
  }
  for (const balancer of balancers()) {
    checks.push([
      `${balancer.node} is fit (GET /check)`,
      async () => (await admin(balancer, '/check')).healthy,
    ])
    checks.push([
      `${balancer.node}'s engine answers ${DICOM_NAME}`,
      async () => (await dig(balancer.ns, balancer.address, DICOM_NAME)).length > 0,
    ])
  }
  checks.push([
    `the primary DNS (${PRIMARY_DNS}) resolves ${DICOM_NAME}`,
    async () => (await dig(machines('client', 'A')[0].ns, PRIMARY_DNS, DICOM_NAME)).length > 0,
  ])
  return checks
}

export async function up({ timeoutMs = 90_000, log = console.log } = {}) {
  const startedAt = Date.now()
  if ((await existingNamespaces()).length > 0) {
    log('a lab is already there: removing it first')
    await down({ log })
  }
  mkdirSync(STATE_DIR, { recursive: true })
  for (const pacs of pacsOf()) mkdirSync(pacsDir(pacs), { recursive: true })
  writeConfigs()
  await buildNetwork()
  log(`network built (${Date.now() - startedAt} ms)`)
  start.named()
  start.unbound()
  for (const pacs of pacsOf()) start.pacs(pacs)
  // the first node of each pair first, so that it is the VRRP master after start-up (priority 150)
  for (const balancer of balancers()) start.gslb(balancer)
  for (const balancer of balancers()) start.keepalived(balancer)
  await until(healthChecks(), timeoutMs, deadDaemon)
  const ms = Date.now() - startedAt
  log(`lab up and healthy in ${ms} ms (state in ${STATE_DIR})`)
  return { ms }
}

/** The first lab daemon that is not running, with the end of its log; undefined when all run. */
function deadDaemon() {
  const dead = daemonNames().find((name) => !alive(readPid(name)))
  if (dead === undefined) return undefined
  const log = existsSync(logFile(dead))
    ? readFileSync(logFile(dead), 'utf8').trim().split('\n').slice(-5)
    : []
  return `${dead} exited during start-up (${logFile(dead)}):\n  ${log.join('\n  ')}`
}

/** Every lab daemon's PID-file name. */
function daemonNames() {
  const dir = `${STATE_DIR}/pids`
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => f.slice(0, -4))
    : []
}

/**
 * Stops every daemon by its PID file, then anything still running inside the lab's namespaces (storescu or a
 * keepalived script caught in flight), then deletes the namespaces and the state folder. Safe to run twice.
 */
export async function down({ log = console.log, keepState = false } = {}) {
  const startedAt = Date.now()
  for (const balancer of balancers()) await stop.keepalived(balancer).catch((e) => log(e.message))
  for (const balancer of balancers()) await stop.gslb(balancer, 2_000).catch((e) => log(e.message))
  for (const name of daemonNames()) {
    const pid = readPid(name)
    if (alive(pid)) process.kill(pid, 'SIGKILL')
  }
  for (const { pid } of await processesInNamespaces()) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 5_000
  while ((await processesInNamespaces()).some(({ pid }) => alive(pid)) && Date.now() < deadline)
    await sleep(100)
  await removeNetwork()
  if (!keepState) rmSync(STATE_DIR, { recursive: true, force: true })
  const left = await existingNamespaces()
  if (left.length > 0) throw new Error(`namespaces left behind: ${left.join(', ')}`)
  log(`lab down (${Date.now() - startedAt} ms)`)
}

/** A snapshot of the lab: who holds which VIP, node health and resolved addresses, DNS answers per client. */
export async function status() {
  const namespaces = await existingNamespaces()
  if (namespaces.length === 0) return { up: false }
  const vips = {}
  for (const site of SITES) {
    for (const vip of [modalityVip(site), clusterVip(site)]) vips[vip] = await holdersOf(vip, site)
  }
  const nodes = {}
  for (const balancer of balancers()) {
    const entry = {}
    try {
      const check = await admin(balancer, '/check')
      entry.fit = check.healthy
      if (!check.healthy) entry.reasons = check.reasons
      const view = await admin(balancer, '/status')
      entry.resolved = view.resolvers?.[0]?.names?.[0]?.addresses ?? []
      entry.members = Object.fromEntries((view.pools?.[0]?.members ?? []).map((m) => [m.name, m.state]))
    } catch (error) {
      entry.error = error.message
    }
    nodes[balancer.node] = entry
  }
  const dns = {}
  for (const site of SITES) {
    const client = machines('client', site)[0]
    dns[`${client.ns} via BIND ${PRIMARY_DNS}`] = await dig(client.ns, PRIMARY_DNS, DICOM_NAME)
    dns[`${client.ns} via unbound+ECS ${ECS_RESOLVER}`] = await dig(client.ns, ECS_RESOLVER, DICOM_NAME)
  }
  return { up: true, namespaces: namespaces.length, vips, nodes, dns }
}

export function formatStatus(view) {
  if (!view.up) return 'the lab is down'
  const lines = ['VIP holders']
  for (const [vip, holders] of Object.entries(view.vips))
    lines.push(`  ${vip.padEnd(12)} ${holders.join(', ') || '-'}`)
  lines.push('nodes')
  for (const [node, entry] of Object.entries(view.nodes)) {
    if (entry.error) {
      lines.push(`  ${node}  not answering: ${entry.error}`)
      continue
    }
    const members = Object.entries(entry.members)
      .map(([name, state]) => `${name} ${state}`)
      .join(', ')
    lines.push(
      `  ${node}  ${entry.fit ? 'fit' : `UNFIT (${(entry.reasons ?? []).join('; ')})`}  resolves ${entry.resolved.join(' ') || '-'}  members ${members}`,
    )
  }
  lines.push(`DNS answers for ${DICOM_NAME}`)
  for (const [who, answers] of Object.entries(view.dns))
    lines.push(`  ${who.padEnd(40)} ${answers.join(' ') || '-'}`)
  return lines.join('\n')
}

/** Exits the process when something the lab needs is missing. */
export function requireHost() {
  const problems = preflight()
  if (problems.length === 0) return
  console.error(`gslb lab: cannot run here:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  process.exit(2)
}
