// Namespaces, bridges and veth pairs: built by `up`, removed by `down`, nothing in the host's own namespace.
import { bindQuerySources } from './configs.mjs'
import { MACHINES, NAMESPACES, NETWORKS, PREFIX, ROUTER } from './plan.mjs'
import { must, mustInNs, run } from './sh.mjs'

/** The lab's namespaces that exist now. */
export async function existingNamespaces() {
  const listed = await must('ip', ['netns', 'list'])
  return listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name?.startsWith(PREFIX))
}

const sysctl = (ns, key, value) => mustInNs(ns, 'sysctl', ['-qw', `${key}=${value}`])

async function buildRouter() {
  await must('ip', ['netns', 'add', ROUTER])
  await must('ip', ['-n', ROUTER, 'link', 'set', 'lo', 'up'])
  await sysctl(ROUTER, 'net.ipv4.ip_forward', 1)
  for (const net of Object.values(NETWORKS)) {
    await must('ip', ['-n', ROUTER, 'link', 'add', net.bridge, 'type', 'bridge'])
    await must('ip', ['-n', ROUTER, 'addr', 'add', `${net.gateway}/${net.prefixLength}`, 'dev', net.bridge])
    await must('ip', ['-n', ROUTER, 'link', 'set', net.bridge, 'up'])
  }
}

async function buildMachine(machine) {
  const net = NETWORKS[machine.net]
  await must('ip', ['netns', 'add', machine.ns])
  await must('ip', ['-n', machine.ns, 'link', 'set', 'lo', 'up'])
  await must('ip', [
    '-n',
    ROUTER,
    'link',
    'add',
    machine.veth,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    machine.ns,
  ])
  await must('ip', ['-n', ROUTER, 'link', 'set', machine.veth, 'master', net.bridge, 'up'])
  await must('ip', ['-n', machine.ns, 'addr', 'add', `${machine.address}/${net.prefixLength}`, 'dev', 'eth0'])
  await must('ip', ['-n', machine.ns, 'link', 'set', 'eth0', 'up'])
  await must('ip', ['-n', machine.ns, 'route', 'add', 'default', 'via', net.gateway])
  if (machine.role === 'dns') {
    // the primary DNS's per-site views ask the GSLB from their own addresses
    for (const address of bindQuerySources()) {
      await must('ip', ['-n', machine.ns, 'addr', 'add', `${address}/${net.prefixLength}`, 'dev', 'eth0'])
    }
  }
  if (machine.role === 'balancer') {
    // both nodes of a pair listen on the VIPs; only the VRRP master holds them (docs/keepalived.md)
    await sysctl(machine.ns, 'net.ipv4.ip_nonlocal_bind', 1)
  }
}

/** Creates every namespace, bridge and link. Expects none of them to exist (`down` first). */
export async function buildNetwork() {
  await buildRouter()
  for (const machine of MACHINES) await buildMachine(machine)
}

/** Deletes the lab's namespaces (their veths and bridges go with them). Processes must be gone first. */
export async function removeNetwork() {
  const left = []
  for (const ns of await existingNamespaces()) {
    if (!NAMESPACES.includes(ns) && ns !== ROUTER) continue
    const removed = await run('ip', ['netns', 'del', ns])
    if (removed.code !== 0) left.push(`${ns}: ${removed.stderr.trim()}`)
  }
  if (left.length > 0) throw new Error(`could not remove namespaces:\n${left.join('\n')}`)
}

/** Processes still running inside the lab's namespaces (`ip netns pids`). */
export async function processesInNamespaces() {
  const found = []
  for (const ns of await existingNamespaces()) {
    const pids = await run('ip', ['netns', 'pids', ns])
    for (const pid of pids.stdout.split('\n').filter(Boolean)) found.push({ ns, pid: Number(pid) })
  }
  return found
}

/**
 * The WAN between the sites: while cut, the router silently drops what site A sends to site B and back (a
 * blackhole, like a dead line: connects time out rather than being refused). The core net stays reachable.
 */
export async function setWan(up) {
  const rules = [
    ['iif', NETWORKS.A.bridge, 'to', NETWORKS.B.cidr],
    ['iif', NETWORKS.B.bridge, 'to', NETWORKS.A.cidr],
  ]
  for (const rule of rules) {
    if (up) {
      await run('ip', ['-n', ROUTER, 'rule', 'del', ...rule, 'blackhole'])
    } else {
      await must('ip', ['-n', ROUTER, 'rule', 'add', ...rule, 'blackhole'])
    }
  }
}

/**
 * Makes this balancer's own engine unreachable from its resolver: policy rules in its namespace blackhole every
 * packet to port 53 (UDP and TCP), ahead of the `local` table (moved from preference 0 to 100 meanwhile). Uses no
 * packet filter, which the lab's kernels may lack.
 */
export async function setLocalDns(ns, reachable) {
  const rules = ['udp', 'tcp'].map((proto) => ['pref', '10', 'ipproto', proto, 'dport', '53', 'blackhole'])
  if (reachable) {
    for (const rule of rules) await run('ip', ['-n', ns, 'rule', 'del', ...rule])
    await run('ip', ['-n', ns, 'rule', 'add', 'pref', '0', 'lookup', 'local'])
    await run('ip', ['-n', ns, 'rule', 'del', 'pref', '100', 'lookup', 'local'])
    return
  }
  await must('ip', ['-n', ns, 'rule', 'add', 'pref', '100', 'lookup', 'local'])
  await must('ip', ['-n', ns, 'rule', 'del', 'pref', '0', 'lookup', 'local'])
  for (const rule of rules) await must('ip', ['-n', ns, 'rule', 'add', ...rule])
}
