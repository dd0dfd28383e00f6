/**
 * The two-site network of examples/two-site on loopback, as gslb-lb configs the drill writes to a temp folder.
 *
 * Addresses: site A is 127.0.1.0/24, site B 127.0.2.0/24 (all of 127.0.0.0/8 is local on Linux):
 *   127.0.S.50   the modalities' VIP (service DICOM_DNS_PROXY, backend NAME dicom.mysite.com)
 *   127.0.S.53   the site's GSLB engine
 *   127.0.S.100  the site's cluster VIP (service DICOM_CLUSTER_S, GSLB pool member siteS)
 *   127.0.S.11   the site's PACS: dcmtk storescp, which binds every address, so each site has its own port
 *   127.0.S.9    the admin API
 *
 * Topology: the engine places the *asker* of a query, and the DNS-proxy's asker is the node's own resolver. Every
 * query to 127.0.x.y leaves from 127.0.0.1 (the kernel's source for the 127.0.0.0/8 local route), whatever node
 * sends it, and the resolver cannot be told a source address. The config does not map it: gslb-lb counts loopback
 * as part of `node.site` (docs/configuration.md, topology), so each node's resolver is placed at its own site —
 * the drill's first test fails if it is not. The sites' own 127.0.S.0/24 prefixes are more specific than that /8.
 */

export type Site = 'A' | 'B'

export const NAME = 'dicom.mysite.com'
export const octet = (site: Site) => (site === 'A' ? 1 : 2)
export const vipAddress = (site: Site) => `127.0.${octet(site)}.50`
export const engineAddress = (site: Site) => `127.0.${octet(site)}.53`
export const clusterAddress = (site: Site) => `127.0.${octet(site)}.100`
export const pacsAddress = (site: Site) => `127.0.${octet(site)}.11`
export const adminAddress = (site: Site) => `127.0.${octet(site)}.9`
export const other = (site: Site): Site => (site === 'A' ? 'B' : 'A')

/** The "fast" health profile of the drill: checks every 300 ms, down after 2 failures, up after 3 successes. */
export const FAST = { interval: 300, timeout: 250, fall: 2, rise: 3 }
export const RESOLVER = { interval: 250, timeout: 200 }

export interface Ports {
  /** Every node's VIP port (the modality's hard-coded port). */
  vip: number
  /** The cluster services' port: one port for both sites, since the name backend has one port. */
  cluster: number
  engine: number
  admin: number
  pacs: Record<Site, number>
}

function topology() {
  const cidrs = (site: Site) => [`127.0.${octet(site)}.0/24`]
  return {
    datacenters: {
      A: { cidrs: cidrs('A'), description: 'site A (10.1.0.0/16 on the real network)' },
      B: { cidrs: cidrs('B'), description: 'site B (10.2.0.0/16 on the real network)' },
    },
    preferences: { A: ['B'], B: ['A'] },
  }
}

const monitors = {
  'dicom-echo': {
    type: 'dicom',
    callingAE: 'GSLB_LB',
    calledAE: 'ANY-SCP',
    interval: FAST.interval,
    timeout: FAST.timeout,
    rise: FAST.rise,
    fall: FAST.fall,
  },
}

function gslb(site: Site, enginePort: number, clusterPort: number) {
  return {
    listen: [{ address: engineAddress(site), port: enginePort }],
    zones: [
      {
        name: NAME,
        soa: { mname: 'dicom-primary-a.mysite.com', rname: 'hostmaster.mysite.com' },
        nameservers: ['dicom-primary-a.mysite.com', 'dicom-primary-b.mysite.com'],
      },
    ],
    pools: {
      dicom: {
        method: 'topology',
        allDown: 'any',
        maxAnswers: 2,
        monitor: 'dicom-echo',
        port: clusterPort,
        members: [
          { name: 'siteA', address: clusterAddress('A'), datacenter: 'A' },
          { name: 'siteB', address: clusterAddress('B'), datacenter: 'B' },
        ],
      },
    },
    names: [{ name: NAME, pool: 'dicom', ttl: 1 }],
  }
}

function cluster(site: Site, ports: Ports) {
  return {
    listen: [{ address: clusterAddress(site), port: ports.cluster }],
    backends: [{ address: pacsAddress(site), port: ports.pacs[site] }],
    balance: 'leastconn',
    monitor: 'dicom-echo',
    limits: { connectTimeout: '1s' },
  }
}

function dnsProxy(listen: { address: string; port: number }, clusterPort: number) {
  return {
    listen: [listen],
    backends: [{ name: NAME, port: clusterPort, resolver: 'local-first' }],
    balance: 'first',
    // a cluster VIP whose PACS is gone accepts, reads the A-ASSOCIATE-RQ and closes: replay it to the next site
    retryOnEmpty: true,
    limits: { connectTimeout: '1s', idleTimeout: '1m' },
  }
}

/**
 * One site's node, as in examples/two-site: the GSLB engine, the DNS-proxy service on the modalities' VIP
 * (resolver: this node's engine), and the site's cluster service in front of its PACS.
 */
export function siteNode(site: Site, ports: Ports): object {
  return {
    node: { name: `lb-${site.toLowerCase()}1`, site, drainTimeout: '1s' },
    topology: topology(),
    health: { profile: 'fast' },
    monitors,
    gslb: gslb(site, ports.engine, ports.cluster),
    resolvers: {
      'local-first': {
        nameservers: ['engine'],
        ...RESOLVER,
        failThreshold: 3,
        negativePolicy: 'fallthrough',
      },
    },
    services: {
      DICOM_DNS_PROXY: dnsProxy({ address: vipAddress(site), port: ports.vip }, ports.cluster),
      [`DICOM_CLUSTER_${site}`]: cluster(site, ports),
    },
    admin: { listen: { address: adminAddress(site), port: ports.admin } },
    logging: { level: 'info', format: 'json' },
  }
}

/** A node that runs only the GSLB engine (site A's), so the drill can kill the engine and nothing else. */
export function engineOnlyNode(options: {
  engine: { address: string; port: number }
  clusterPort: number
  admin: { address: string; port: number }
}): object {
  return {
    node: { name: 'gslb-a1', site: 'A', drainTimeout: '1s' },
    topology: topology(),
    health: { profile: 'fast' },
    monitors,
    gslb: { ...gslb('A', options.engine.port, options.clusterPort), listen: [options.engine] },
    admin: { listen: options.admin },
    logging: { level: 'info', format: 'json' },
  }
}

/**
 * A DNS-proxy-only node whose resolver asks a GSLB engine run by another process first, then the primary DNS.
 * With every nameserver failing, the last good addresses are kept until `lastGoodMaxAge` ms after their answer.
 */
export function proxyOnlyNode(options: {
  vip: { address: string; port: number }
  clusterPort: number
  nameservers: string[]
  failThreshold: number
  lastGoodMaxAge: number
  admin: { address: string; port: number }
}): object {
  return {
    node: { name: 'lb-a2', drainTimeout: '1s' },
    resolvers: {
      'local-first': {
        nameservers: options.nameservers,
        ...RESOLVER,
        failThreshold: options.failThreshold,
        lastGoodMaxAge: options.lastGoodMaxAge,
        negativePolicy: 'fallthrough',
      },
    },
    services: { DICOM_DNS_PROXY: dnsProxy(options.vip, options.clusterPort) },
    admin: { listen: options.admin },
    logging: { level: 'info', format: 'json' },
  }
}
