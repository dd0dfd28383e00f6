// The lab's network: the seed's two hospital sites and the core net, as Linux network namespaces.
//
// One namespace per machine; every name starts with PREFIX so `down` removes exactly what `up` made. The router
// namespace holds one Linux bridge per network (VRRP multicast flows between a site's two balancers on its bridge)
// and routes between them; each machine is a veth pair whose inside end is `eth0`, the interface the keepalived
// configuration names.
import { join, resolve } from 'node:path'

export const PREFIX = 'gl-'
export const ROUTER = `${PREFIX}router`
export const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..')
export const CLI = join(ROOT, 'packages', 'cli', 'dist', 'bin.cjs')
export const EXAMPLE_DIR = join(ROOT, 'examples', 'two-site')
/** The lab's settings come from GSLB_LAB_* environment variables (the lab is not a turbo task). */
export const labEnv = process.env
export const STATE_DIR = resolve(labEnv.GSLB_LAB_DIR ?? '/tmp/gslb-lab')

export const DICOM_NAME = 'dicom.mysite.com'
export const DICOM_PORT = 104
export const ADMIN = { address: '127.0.0.1', port: 9180 }

/** Each network is a bridge in the router namespace; the router's address on it is every machine's gateway. */
export const NETWORKS = {
  A: { bridge: 'br-a', gateway: '10.1.0.1', prefixLength: 16, cidr: '10.1.0.0/16' },
  B: { bridge: 'br-b', gateway: '10.2.0.1', prefixLength: 16, cidr: '10.2.0.0/16' },
  core: { bridge: 'br-core', gateway: '10.0.0.1', prefixLength: 24, cidr: '10.0.0.0/24' },
}

export const SITES = ['A', 'B']
export const otherSite = (site) => (site === 'A' ? 'B' : 'A')
const octet = (site) => (site === 'A' ? 1 : 2)

export const modalityVip = (site) => `10.${octet(site)}.0.50`
export const clusterVip = (site) => `10.${octet(site)}.0.100`
export const PRIMARY_DNS = '10.0.0.2'
export const ECS_RESOLVER = '10.0.0.3'

/**
 * Every machine: namespace, network, address, role. `veth` is the router-side interface name (at most 15
 * characters).
 */
export const MACHINES = [
  { ns: `${PREFIX}dns`, net: 'core', address: PRIMARY_DNS, role: 'dns', veth: 'v-dns' },
  { ns: `${PREFIX}resolver`, net: 'core', address: ECS_RESOLVER, role: 'resolver', veth: 'v-resolver' },
  ...SITES.flatMap((site) => {
    const s = site.toLowerCase()
    const o = octet(site)
    return [
      {
        ns: `${PREFIX}lb-${s}1`,
        net: site,
        address: `10.${o}.0.11`,
        role: 'balancer',
        site,
        node: `lb-${s}1`,
      },
      {
        ns: `${PREFIX}lb-${s}2`,
        net: site,
        address: `10.${o}.0.12`,
        role: 'balancer',
        site,
        node: `lb-${s}2`,
      },
      { ns: `${PREFIX}pacs-${s}1`, net: site, address: `10.${o}.1.11`, role: 'pacs', site, pacs: `${s}1` },
      { ns: `${PREFIX}pacs-${s}2`, net: site, address: `10.${o}.1.12`, role: 'pacs', site, pacs: `${s}2` },
      { ns: `${PREFIX}modality-${s}`, net: site, address: `10.${o}.2.10`, role: 'modality', site },
      { ns: `${PREFIX}client-${s}`, net: site, address: `10.${o}.3.10`, role: 'client', site },
    ].map((machine) => ({ ...machine, veth: `v-${machine.ns.slice(PREFIX.length)}` }))
  }),
]

export const machines = (role, site) =>
  MACHINES.filter((m) => m.role === role && (site === undefined || m.site === site))
export const balancers = (site) => machines('balancer', site)
export const pacsOf = (site) => machines('pacs', site)
export const machine = (ns) => MACHINES.find((m) => m.ns === ns)

export const NAMESPACES = [ROUTER, ...MACHINES.map((m) => m.ns)]

/** Where each PACS stores what it receives (dcmtk storescp --output-directory). */
export const pacsDir = (pacs) => join(STATE_DIR, 'pacs', pacs.pacs)
export const logFile = (name) => join(STATE_DIR, 'logs', `${name}.log`)
export const pidFile = (name) => join(STATE_DIR, 'pids', `${name}.pid`)

/** The Debian packages behind each binary the lab runs. */
export const PEERS = {
  ip: 'iproute2',
  keepalived: 'keepalived',
  named: 'bind9',
  unbound: 'unbound',
  dig: 'bind9-dnsutils',
  storescp: 'dcmtk',
  storescu: 'dcmtk',
  echoscu: 'dcmtk',
  dump2dcm: 'dcmtk',
  curl: 'curl',
}
