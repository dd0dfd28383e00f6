// The lab's long-running processes: how each starts, and how `status` and the drills look at them.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { FLEET_FILE, keepalivedConfigFile, namedConfFile, unboundConfFile } from './configs.mjs'
import { ADMIN, CLI, DICOM_PORT, machines, pacsDir, STATE_DIR } from './plan.mjs'
import { inNs, killDaemon, startDaemon, stopDaemon } from './sh.mjs'

export const daemonName = {
  gslb: (balancer) => `gslb-lb-${balancer.node}`,
  keepalived: (balancer) => `keepalived-${balancer.node}`,
  pacs: (pacs) => `storescp-${pacs.pacs}`,
  named: 'named',
  unbound: 'unbound',
}

/** keepalived's own PID files (it refuses to start when its main PID file names a live process: not the lab's). */
const keepalivedPids = (balancer) => {
  const dir = join(STATE_DIR, 'run')
  mkdirSync(dir, { recursive: true })
  return ['-p', join(dir, `keepalived-${balancer.node}.pid`), '-r', join(dir, `vrrp-${balancer.node}.pid`)]
}

export const start = {
  named: () =>
    startDaemon(daemonName.named, machines('dns')[0].ns, 'named', ['-g', '-n', '1', '-c', namedConfFile]),
  unbound: () =>
    startDaemon(daemonName.unbound, machines('resolver')[0].ns, 'unbound', ['-d', '-c', unboundConfFile]),
  pacs: (pacs) =>
    startDaemon(daemonName.pacs(pacs), pacs.ns, 'storescp', [
      '--aetitle',
      `PACS_${pacs.pacs.toUpperCase()}`,
      '--output-directory',
      pacsDir(pacs),
      // no reverse lookup of each caller: the lab has no in-addr.arpa zone, so each lookup would wait its timeout
      '--disable-host-lookup',
      // one process per association, as a real PACS serves several at once: without it an association from the
      // other site that a WAN cut left half-open blocks this PACS for everyone until storescp's own timeout
      '--fork',
      String(DICOM_PORT),
    ]),
  gslb: (balancer) =>
    startDaemon(daemonName.gslb(balancer), balancer.ns, process.execPath, [
      CLI,
      'run',
      '-c',
      FLEET_FILE,
      '--node',
      balancer.node,
      '--log-format',
      'json',
    ]),
  // -n: stay in the foreground (the PID file is the lab's); -l -D: log to the console, in detail
  keepalived: (balancer) =>
    startDaemon(daemonName.keepalived(balancer), balancer.ns, 'keepalived', [
      '-n',
      '-l',
      '-D',
      '-f',
      keepalivedConfigFile(balancer),
      ...keepalivedPids(balancer),
    ]),
}

export const stop = {
  gslb: (balancer, graceMs) => stopDaemon(daemonName.gslb(balancer), graceMs),
  keepalived: (balancer) => stopDaemon(daemonName.keepalived(balancer)),
  pacs: (pacs) => stopDaemon(daemonName.pacs(pacs)),
  named: () => stopDaemon(daemonName.named),
  unbound: () => stopDaemon(daemonName.unbound),
}

export const crash = {
  named: () => killDaemon(daemonName.named),
  gslb: (balancer) => killDaemon(daemonName.gslb(balancer)),
  pacs: (pacs) => killDaemon(daemonName.pacs(pacs)),
}

/** The addresses of `eth0` in a namespace. */
export async function addressesOf(ns) {
  const shown = await inNs(ns, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])
  return [...shown.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1])
}

/** Which balancers hold `vip` right now (one, when VRRP is healthy). */
export async function holdersOf(vip, site) {
  const holders = []
  for (const balancer of machines('balancer', site)) {
    if ((await addressesOf(balancer.ns)).includes(vip)) holders.push(balancer.node)
  }
  return holders
}

/** GET from a balancer's admin API (loopback inside its namespace), parsed; throws when it does not answer. */
export async function admin(balancer, path, timeoutS = 1) {
  return JSON.parse(await adminText(balancer, path, timeoutS))
}

/** GET from a balancer's admin API, the body as text. */
export async function adminText(balancer, path, timeoutS = 1) {
  const url = `http://${ADMIN.address}:${ADMIN.port}${path}`
  const got = await inNs(balancer.ns, 'curl', ['-sS', '--max-time', String(timeoutS), url], {
    timeoutMs: timeoutS * 1_000 + 3_000,
  })
  if (got.code !== 0)
    throw new Error(`${balancer.node} ${path}: ${got.stderr.trim() || `curl exit ${got.code}`}`)
  return got.stdout
}

/** `dig +short` from a namespace; the A records in answer order (empty when nothing answered). */
export async function dig(ns, server, name, timeoutS = 1) {
  const got = await inNs(ns, 'dig', [`@${server}`, name, 'A', '+short', `+time=${timeoutS}`, '+tries=1'], {
    timeoutMs: timeoutS * 2_000 + 3_000,
  })
  return got.stdout.split('\n').filter((line) => /^\d+\.\d+\.\d+\.\d+$/.test(line))
}

/** A C-ECHO from a namespace (dcmtk echoscu); true when it succeeded. */
export async function echo(ns, address, timeoutS = 2) {
  const got = await inNs(
    ns,
    'echoscu',
    ['-to', String(timeoutS), '-ta', String(timeoutS), address, String(DICOM_PORT)],
    {
      timeoutMs: timeoutS * 3_000 + 3_000,
    },
  )
  return got.code === 0
}
