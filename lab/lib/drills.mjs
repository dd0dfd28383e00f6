// The drills of issue 11: each breaks something the way it breaks in a hospital, under a modality's load, and
// measures what the modality saw. Durations come from GSLB_LAB_* variables so CI can run shorter variants.
import { readFileSync } from 'node:fs'
import { FLEET_FILE } from './configs.mjs'
import { admin, crash, daemonName, dig, holdersOf, start, stop } from './daemons.mjs'
import { healthChecks, until } from './lifecycle.mjs'
import { ASSOCIATION_TIMEOUT_S, startModality } from './load.mjs'
import {
  downsBetween,
  failedOf,
  firstAt,
  formatTable,
  healthDowns,
  longestAssociationMs,
  summarize,
  watchVips,
} from './measure.mjs'
import { processesInNamespaces, setLocalDns, setWan } from './network.mjs'
import {
  balancers,
  clusterVip,
  DICOM_NAME,
  ECS_RESOLVER,
  labEnv,
  machines,
  modalityVip,
  NETWORKS,
  otherSite,
  PRIMARY_DNS,
  pacsOf,
  SITES,
} from './plan.mjs'
import { alive, must, readPid, signalDaemon, sleep } from './sh.mjs'

const seconds = (name, fallback) => Number(labEnv[name] ?? fallback) * 1_000
const SETTINGS = {
  outageMs: seconds('GSLB_LAB_OUTAGE_S', 20),
  dnsOutageMs: seconds('GSLB_LAB_DNS_OUTAGE_S', 60),
  wanCutMs: seconds('GSLB_LAB_WAN_CUT_S', 20),
  soakMs: seconds('GSLB_LAB_SOAK_S', 600),
  leadMs: seconds('GSLB_LAB_LEAD_S', 5),
  settleMs: seconds('GSLB_LAB_SETTLE_S', 10),
  healthyTimeoutMs: seconds('GSLB_LAB_HEALTHY_TIMEOUT_S', 90),
}
/** The examples' `fast` health profile: checks every second, back up after 2 good ones. */
const FAST = { intervalMs: 1_000, rise: 2 }
const SITE = 'A'
/** An association that took this long waited out one of the modality's timeouts. */
const MODALITY_TIMEOUT_MS = ASSOCIATION_TIMEOUT_S * 1_000

/** What a drill is doing, on stderr (stdout carries the table or the JSON). */
const progress = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`)

/** The VIP went to the master's peer at some point. */
const movedAway = (moves, master) => moves.some((move) => move.holders !== '' && move.holders !== master.node)

/** The balancer of `site` that holds the modalities' VIP now. */
async function masterOf(site) {
  const holders = await holdersOf(modalityVip(site), site)
  if (holders.length !== 1)
    throw new Error(`${modalityVip(site)} is held by ${holders.join(', ') || 'nobody'}`)
  return balancers(site).find((b) => b.node === holders[0])
}

/**
 * A power cut: the balancer's link goes down and every process in its namespace (gslb-lb, keepalived and its
 * children) is SIGKILLed.
 */
async function powerOff(balancer) {
  await must('ip', ['-n', balancer.ns, 'link', 'set', 'eth0', 'down'])
  for (const { ns, pid } of await processesInNamespaces()) {
    if (ns !== balancer.ns) continue
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 5_000
  while (
    (await processesInNamespaces()).some((p) => p.ns === balancer.ns && alive(p.pid)) &&
    Date.now() < deadline
  ) {
    await sleep(50)
  }
}

async function nodeFit(balancer, timeoutMs = 30_000) {
  await until([[`${balancer.node} is fit`, async () => (await admin(balancer, '/check')).healthy]], timeoutMs)
}

/** Runs `body` under load from the modalities of `sites`; the records of `SITE`'s modality are the drill's. */
async function underLoad(name, sites, body) {
  progress(`${name}: load from site ${sites.join(' and ')}`)
  const modalities = sites.map((site) => startModality(site, name))
  const vips = watchVips()
  let extra
  try {
    extra = await body()
  } finally {
    const records = await Promise.all(modalities.map((m) => m.stop()))
    const vipChanges = await vips.stop()
    progress(`${name}: load stopped (${records.flat().length} associations)`)
    extra = { ...extra, records: records[0], others: records.slice(1), vipChanges }
  }
  return extra
}

const DRILLS = {
  /** Site A's PACS crash (SIGKILL) and come back after the outage. */
  async 'pacs-kill'() {
    let killedAt = 0
    let restoredAt = 0
    const run = await underLoad('pacs-kill', [SITE], async () => {
      await sleep(SETTINGS.leadMs)
      killedAt = Date.now()
      for (const pacs of pacsOf(SITE)) await crash.pacs(pacs)
      await sleep(SETTINGS.outageMs)
      restoredAt = Date.now()
      for (const pacs of pacsOf(SITE)) start.pacs(pacs)
      await sleep(SETTINGS.settleMs)
    })
    const firstAtSurvivorMs = firstAt(run.records, otherSite(SITE), killedAt)
    const failBackMs = firstAt(run.records, SITE, restoredAt)
    return {
      ...summarize(run.records),
      firstAtSurvivorMs,
      failBackMs,
      vipChanges: run.vipChanges,
      checks: {
        '0 failed': failedOf(run.records).length === 0,
        'first stored at B < 1 s after the kill': firstAtSurvivorMs !== null && firstAtSurvivorMs < 1_000,
        'back at A only after rise': failBackMs !== null && failBackMs >= (FAST.rise - 1) * FAST.intervalMs,
        'VIP never moves': run.vipChanges.length === 0,
      },
    }
  },

  /** Site A's PACS hang (SIGSTOP: they accept and never answer), then resume. */
  async 'pacs-hang'() {
    let hungAt = 0
    let resumedAt = 0
    const run = await underLoad('pacs-hang', [SITE], async () => {
      await sleep(SETTINGS.leadMs)
      hungAt = Date.now()
      for (const pacs of pacsOf(SITE)) signalDaemon(daemonName.pacs(pacs), 'SIGSTOP')
      await sleep(SETTINGS.outageMs)
      resumedAt = Date.now()
      for (const pacs of pacsOf(SITE)) signalDaemon(daemonName.pacs(pacs), 'SIGCONT')
      await sleep(SETTINGS.settleMs)
    })
    const firstAtSurvivorMs = firstAt(run.records, otherSite(SITE), hungAt)
    const firstResponseMs = firstResponseTimeoutMs()
    const longestMs = longestAssociationMs(run.records)
    return {
      ...summarize(run.records),
      firstAtSurvivorMs,
      failBackMs: firstAt(run.records, SITE, resumedAt),
      firstResponseTimeoutMs: firstResponseMs,
      checks: {
        '0 failed': failedOf(run.records).length === 0,
        // the association in flight when the PACS hung waits for the first-response timeout (then it is replayed to
        // the next site), not for the PACS to come back or the modality to give up
        [`in-flight association bounded by the first-response timeout (${firstResponseMs ?? 'none configured'} ms; longest ${longestMs} ms)`]:
          firstResponseMs !== null && longestMs <= firstResponseMs + 2_000,
      },
    }
  },

  /** The VRRP master of site A loses power: gslb-lb and keepalived SIGKILLed; it comes back later. */
  async 'master-kill'() {
    const master = await masterOf(SITE)
    let killedAt = 0
    const run = await underLoad('master-kill', [SITE], async () => {
      await sleep(SETTINGS.leadMs)
      killedAt = Date.now()
      await powerOff(master)
      await sleep(SETTINGS.outageMs / 2)
      await must('ip', ['-n', master.ns, 'link', 'set', 'eth0', 'up'])
      await must('ip', ['-n', master.ns, 'route', 'replace', 'default', 'via', NETWORKS[master.net].gateway])
      start.gslb(master)
      start.keepalived(master)
      await nodeFit(master)
      await sleep(SETTINGS.settleMs)
    })
    const moves = run.vipChanges.filter((c) => c.site === SITE)
    const finalHolder = moves.at(-1)?.holders
    return {
      ...summarize(run.records),
      failedInFlight: failedOf(run.records).filter((r) => r.startedAt <= killedAt && r.endedAt >= killedAt)
        .length,
      vipChanges: moves,
      checks: {
        'only associations in flight lost': failedOf(run.records).every(
          (r) => r.startedAt <= killedAt && r.endedAt >= killedAt,
        ),
        'gap < 3 s': summarize(run.records).longestGapMs < 3_000,
        'no flap back (nopreempt)': movedAway(moves, master) && finalHolder !== master.node,
      },
    }
  },

  /** gslb-lb crashes on the master; keepalived stays: its track script must move the VIP. */
  async 'lb-crash'() {
    const master = await masterOf(SITE)
    const run = await underLoad('lb-crash', [SITE], async () => {
      await sleep(SETTINGS.leadMs)
      await crash.gslb(master)
      await sleep(SETTINGS.outageMs / 2)
      start.gslb(master)
      await nodeFit(master)
      await sleep(SETTINGS.settleMs)
    })
    const moves = run.vipChanges.filter((c) => c.site === SITE)
    return {
      ...summarize(run.records),
      vipChanges: moves,
      checks: {
        'VIP moves': movedAway(moves, master),
        'gap < 3 s': summarize(run.records).longestGapMs < 3_000,
      },
    }
  },

  /** A planned stop of the master (systemctl stop: SIGTERM), then it starts again. */
  async 'planned-stop'() {
    const master = await masterOf(SITE)
    const run = await underLoad('planned-stop', [SITE], async () => {
      await sleep(SETTINGS.leadMs)
      await stop.gslb(master, 45_000)
      await sleep(SETTINGS.settleMs / 2)
      start.gslb(master)
      await nodeFit(master)
      await sleep(SETTINGS.settleMs)
    })
    const moves = run.vipChanges.filter((c) => c.site === SITE)
    return {
      ...summarize(run.records),
      vipChanges: moves,
      checks: {
        '0 failed': failedOf(run.records).length === 0,
        'VIP moves': movedAway(moves, master),
      },
    }
  },

  /** Site A's balancers cannot reach their own engines and the primary DNS is dead. */
  async 'dns-dead'() {
    const run = await underLoad('dns-dead', [SITE], async () => {
      await sleep(SETTINGS.leadMs)
      for (const balancer of balancers(SITE)) await setLocalDns(balancer.ns, false)
      await crash.named()
      await sleep(SETTINGS.dnsOutageMs)
      for (const balancer of balancers(SITE)) await setLocalDns(balancer.ns, true)
      start.named()
      await sleep(SETTINGS.settleMs)
    })
    return {
      ...summarize(run.records),
      checks: { '0 failed': failedOf(run.records).length === 0 },
    }
  },

  /** The WAN between the sites is cut while site A's PACS are down; then it returns, then the PACS. */
  async 'wan-cut'() {
    let wanCutAt = 0
    let wanBackAt = 0
    const before = await gslbPids()
    const run = await underLoad('wan-cut', [SITE], async () => {
      await sleep(SETTINGS.leadMs)
      for (const pacs of pacsOf(SITE)) await crash.pacs(pacs)
      await sleep(SETTINGS.leadMs)
      wanCutAt = Date.now()
      await setWan(false)
      await sleep(SETTINGS.wanCutMs)
      await setWan(true)
      wanBackAt = Date.now()
      await sleep(SETTINGS.settleMs)
      for (const pacs of pacsOf(SITE)) start.pacs(pacs)
      await sleep(SETTINGS.settleMs)
    })
    const recoveredMs = firstAt(run.records, otherSite(SITE), wanBackAt)
    const after = await gslbPids()
    // A connection that was crossing the WAN when it was cut has lost its far end: nothing tells this side until a
    // retransmission or a keepalive probe meets the far end's RST after the WAN is back. The forwarder's TCP
    // keepalive (60 s) bounds that; a leak is a connection still open after it.
    const drain = await drained(DRAIN_BOUND_MS)
    // an association crossing the WAN at the moment it was cut is lost with it (its far end is unreachable); it
    // ends when the modality gives up. "Nothing hangs" is about every other association.
    const crossing = (r) => r.startedAt < wanCutAt && r.endedAt > wanCutAt
    const afterCut = run.records.filter((r) => !crossing(r))
    return {
      ...summarize(run.records),
      firstAtSurvivorMs: recoveredMs,
      activeConnectionsAfter: drain.active,
      drainedAfterMs: drain.ms,
      inFlightAtCut: run.records.filter(crossing).map((r) => `#${r.index} ${r.endedAt - r.startedAt} ms`),
      checks: {
        'nothing crashes': JSON.stringify(before) === JSON.stringify(after),
        'nothing hangs (associations not in flight at the cut)':
          longestAssociationMs(afterCut) < MODALITY_TIMEOUT_MS,
        'no leak (every connection closed within the keepalive bound after the load)': drain.ms !== null,
        'recovers < 1 s after the WAN returns': recoveredMs !== null && recoveredMs < 1_000,
      },
    }
  },

  /** Several SIGHUP reloads in a row on every balancer while both sites' modalities store. */
  async reload() {
    const reloadsBefore = await reloadsApplied()
    const run = await underLoad('reload', SITES, async () => {
      await sleep(SETTINGS.leadMs)
      for (let i = 0; i < 5; i++) {
        for (const balancer of balancers()) signalDaemon(daemonName.gslb(balancer), 'SIGHUP')
        await sleep(700)
      }
      await sleep(SETTINGS.settleMs / 2)
    })
    const all = [...run.records, ...run.others.flat()]
    const reloadsAfter = await reloadsApplied()
    return {
      ...summarize(all),
      reloads: reloadsAfter - reloadsBefore,
      checks: {
        '0 failed': failedOf(all).length === 0,
        'every reload applied': reloadsAfter - reloadsBefore === 5 * balancers().length,
      },
    }
  },

  /** DNS-aware clients at each site ask the central BIND and the ECS-sending unbound: their own site first. */
  async 'dns-clients'() {
    // Steady state: a resolver may still serve, for one TTL, an answer the engines gave while the lab was coming up
    // (a site not up yet). Every node's pool members up, then one TTL, then the clients ask.
    await until(
      [['every pool member up on every node', async () => (await poolMembersDown()) === 0]],
      SETTINGS.healthyTimeoutMs,
    )
    await sleep((dicomTtlSeconds() + 1) * 1_000)
    const ROUNDS = 10
    const answers = {}
    let ownFirst = 0
    let asked = 0
    for (let round = 0; round < ROUNDS; round++) {
      for (const site of SITES) {
        const client = machines('client', site)[0]
        for (const [label, server] of [
          ['BIND', PRIMARY_DNS],
          ['unbound+ECS', ECS_RESOLVER],
        ]) {
          const got = await dig(client.ns, server, DICOM_NAME)
          const key = `${site} via ${label}`
          answers[key] ??= { ownFirst: 0, asked: 0, last: [] }
          answers[key].asked++
          answers[key].last = got
          asked++
          if (got[0] === clusterVip(site)) {
            answers[key].ownFirst++
            ownFirst++
          }
        }
      }
      await sleep(300)
    }
    return {
      answers,
      checks: Object.fromEntries(
        Object.entries(answers).map(([key, a]) => [
          `${key}: own site first ${a.ownFirst}/${a.asked}`,
          a.ownFirst === a.asked,
        ]),
      ),
      ok: ownFirst,
      failed: asked - ownFirst,
    }
  },

  /** Both modalities store for the soak duration while one PACS at a time flaps at random. */
  async soak() {
    const flaps = []
    const downsBefore = await healthDowns()
    const run = await underLoad('soak', SITES, async () => {
      const end = Date.now() + SETTINGS.soakMs
      let seed = 0x2f6e2b1
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        return seed / 0x7fffffff
      }
      while (Date.now() + 25_000 < end) {
        await sleep(5_000 + random() * 10_000)
        const pacs = pacsOf()[Math.floor(random() * 4)]
        const outageMs = 5_000 + Math.round(random() * 10_000)
        flaps.push({ pacs: pacs.pacs, outageMs })
        progress(`soak: PACS ${pacs.pacs} down for ${outageMs} ms`)
        await crash.pacs(pacs)
        await sleep(outageMs)
        start.pacs(pacs)
      }
      await sleep(Math.max(0, end - Date.now()))
    })
    const downs = downsBetween(downsBefore, await healthDowns())
    // a real outage of one PACS is one down transition of its cluster server on each of its site's two balancers
    const realOutages = (key) => {
      const [node, target] = key.split(' ')
      const site = balancers().find((b) => b.node === node)?.site
      return flaps.filter((flap) => {
        const pacs = pacsOf().find((p) => p.pacs === flap.pacs)
        return pacs.site === site && target.endsWith(`/${pacs.address}:104`)
      }).length
    }
    const spurious = Object.entries(downs).filter(([key, n]) => n > realOutages(key))
    const all = [...run.records, ...run.others.flat()]
    return {
      ...summarize(all),
      flaps,
      healthDowns: downs,
      checks: {
        '0 failed': failedOf(all).length === 0,
        [`no health flap that is not a real outage (${spurious.map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'})`]:
          spurious.length === 0,
      },
    }
  },
}

/** The DNS-proxy service's first-response timeout in the fleet file, in ms; null when it sets none. */
function firstResponseTimeoutMs() {
  const service = JSON.parse(readFileSync(FLEET_FILE, 'utf8')).services?.DICOM_DNS_PROXY ?? {}
  const entry = Object.entries({ ...service, ...service.limits }).find(([key]) => /^firstResponse/i.test(key))
  if (!entry) return null
  const [, value] = entry
  if (typeof value === 'number') return value
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(String(value))
  return match ? Number(match[1]) * (match[2] === 's' ? 1_000 : 1) : null
}

async function gslbPids() {
  return Object.fromEntries(balancers().map((b) => [b.node, readPid(daemonName.gslb(b))]))
}

/** Pool members not up, summed over every node's engine. */
async function poolMembersDown() {
  let down = 0
  for (const balancer of balancers()) {
    const view = await admin(balancer, '/status').catch(() => null)
    if (view === null) return Number.POSITIVE_INFINITY
    for (const pool of view.pools) down += pool.members.filter((m) => m.state !== 'up').length
  }
  return down
}

/** The TTL of the DICOM name in the fleet file: how long a resolver may keep an answer. */
function dicomTtlSeconds() {
  const fleet = JSON.parse(readFileSync(FLEET_FILE, 'utf8'))
  return fleet.gslb.names.find((n) => n.name === DICOM_NAME)?.ttl ?? 10
}

/** TCP keepalive delay of the forwarder (60 s) plus a probe's round trip and the lab's polling. */
const DRAIN_BOUND_MS = 75_000

/** Waits until no balancer has an open connection, up to `boundMs`: how long it took (null: still open then). */
async function drained(boundMs) {
  const started = Date.now()
  for (;;) {
    const active = await activeConnections()
    if (Object.values(active).every((n) => n === 0)) return { ms: Date.now() - started, active }
    if (Date.now() - started >= boundMs) return { ms: null, active }
    await sleep(1_000)
  }
}

async function activeConnections() {
  const active = {}
  for (const balancer of balancers()) {
    const view = await admin(balancer, '/status').catch(() => null)
    active[balancer.node] = (view?.services ?? []).reduce((sum, s) => sum + (s.connections?.active ?? 0), 0)
  }
  return active
}

async function reloadsApplied() {
  let total = 0
  for (const balancer of balancers()) total += (await admin(balancer, '/status')).node.reloads.applied
  return total
}

/**
 * Undoes whatever a drill that stopped half-way may have left: the WAN cut, a balancer's DNS blackhole or downed
 * link, a stopped PACS; starts every daemon that is not running.
 */
async function repair() {
  await setWan(true)
  for (const balancer of balancers()) {
    await setLocalDns(balancer.ns, true)
    await must('ip', ['-n', balancer.ns, 'link', 'set', 'eth0', 'up'])
    await must('ip', [
      '-n',
      balancer.ns,
      'route',
      'replace',
      'default',
      'via',
      NETWORKS[balancer.net].gateway,
    ])
  }
  for (const pacs of pacsOf()) {
    if (!signalDaemon(daemonName.pacs(pacs), 'SIGCONT')) start.pacs(pacs)
  }
  if (!alive(readPid(daemonName.named))) start.named()
  for (const balancer of balancers()) {
    if (!alive(readPid(daemonName.gslb(balancer)))) start.gslb(balancer)
    if (!alive(readPid(daemonName.keepalived(balancer)))) start.keepalived(balancer)
  }
}

export const DRILL_NAMES = Object.keys(DRILLS)

/** Runs one drill on a healthy lab: its measures, checks, verdict and duration. */
export async function runDrill(name) {
  const startedAt = Date.now()
  try {
    progress(`${name}: waiting for a healthy lab`)
    await until(healthChecks(), SETTINGS.healthyTimeoutMs)
    const result = await DRILLS[name]()
    const passed = Object.values(result.checks).every(Boolean)
    return { name, ...result, passed, durationMs: Date.now() - startedAt }
  } catch (error) {
    await repair().catch((e) => progress(`${name}: repair failed: ${e.message}`))
    return { name, checks: {}, passed: false, error: error.message, durationMs: Date.now() - startedAt }
  }
}

export async function drillCommand(names, { json }) {
  const unknown = names.filter((n) => !DRILLS[n])
  if (unknown.length > 0) {
    console.error(`unknown drill ${unknown.join(', ')}; drills: ${DRILL_NAMES.join(', ')}`)
    return 2
  }
  const results = []
  for (const name of names.length > 0 ? names : DRILL_NAMES) {
    if (!json) console.log(`drill ${name}…`)
    const result = await runDrill(name)
    results.push(result)
    if (!json) console.log(formatTable([result]).split('\n').at(-1))
  }
  console.log(json ? JSON.stringify(results, null, 2) : `\n${formatTable(results)}`)
  if (!json) {
    for (const result of results.filter((r) => r.failures?.length > 0)) {
      console.log(`${result.name} failures:\n  ${result.failures.join('\n  ')}`)
    }
  }
  return results.every((r) => r.passed) ? 0 : 1
}
