// Every file the lab's daemons read, derived from the files users are shown (examples/two-site, docs/keepalived.md,
// docs/delegation.md), so the lab cannot drift from what the docs tell a hospital to deploy.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  ADMIN,
  balancers,
  CLI,
  clusterVip,
  DICOM_NAME,
  ECS_RESOLVER,
  EXAMPLE_DIR,
  modalityVip,
  nodeConfigFile,
  PRIMARY_DNS,
  ROOT,
  STATE_DIR,
} from './plan.mjs'

function write(file, text) {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
}

/**
 * One balancer's gslb-lb config. examples/two-site has one file per site, written for the site's first node
 * (lb-a1, lb-b1); the second node of a pair is the same file with its own name and its own address for the
 * engine's delegation listener.
 */
export function nodeConfig(balancer) {
  const example = JSON.parse(
    readFileSync(join(EXAMPLE_DIR, `site-${balancer.site.toLowerCase()}.json`), 'utf8'),
  )
  const firstNode = balancers(balancer.site)[0]
  const config = structuredClone(example)
  delete config.$schema
  config.node.name = balancer.node
  config.gslb.listen = config.gslb.listen.map((listen) =>
    listen.address === firstNode.address ? { ...listen, address: balancer.address } : listen,
  )
  config.logging = { ...config.logging, format: 'json' }
  return config
}

export const keepalivedConfigFile = (balancer) =>
  join(STATE_DIR, 'config', `keepalived-${balancer.node}.conf`)

/** The `keepalived.conf` block of docs/keepalived.md: site A, node 1, as a user copies it. */
function documentedKeepalivedConf() {
  const doc = readFileSync(join(ROOT, 'docs', 'keepalived.md'), 'utf8')
  const block = doc.match(/```conf\n([\s\S]*?)```/)
  if (!block)
    throw new Error('docs/keepalived.md has no ```conf block: the lab configures keepalived from it')
  return block[1]
}

/**
 * docs/keepalived.md's file for one balancer, with only what differs per node replaced: the check runs the
 * repository's CLI (not /usr/bin/gslb-lb) as root (the lab has no `gslb` user), node 2's priority, site B's
 * instance name, router id and VIP; the site's cluster VIP rides with the modalities' VIP.
 */
export function keepalivedConf(balancer) {
  const second = balancers(balancer.site)[1].node === balancer.node
  const replacements = [
    [/script_user gslb/, 'script_user root'],
    [/\/usr\/bin\/gslb-lb check/, `${process.execPath} ${CLI} check --admin ${ADMIN.address}:${ADMIN.port}`],
    [/priority 150/, second ? 'priority 100' : 'priority 150'],
    [/DICOM_VIP_A/, `DICOM_VIP_${balancer.site}`],
    [/virtual_router_id 51/, `virtual_router_id ${balancer.site === 'A' ? 51 : 52}`],
    [
      /( *)10\.1\.0\.50\/24 dev eth0.*\n/,
      (_, indent) =>
        `${indent}${modalityVip(balancer.site)}/24 dev eth0\n${indent}${clusterVip(balancer.site)}/24 dev eth0\n`,
    ],
  ]
  let conf = documentedKeepalivedConf()
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(conf))
      throw new Error(`docs/keepalived.md's config no longer has ${pattern}: update lab/`)
    conf = conf.replace(pattern, replacement)
  }
  return conf
}

export const dnsDir = join(STATE_DIR, 'dns')
export const namedConfFile = join(dnsDir, 'named.conf')
export const unboundDir = join(STATE_DIR, 'resolver')
export const unboundConfFile = join(unboundDir, 'unbound.conf')

/** The delegation of docs/delegation.md: the four GSLB nodes by name, their A records in the parent zone. */
export const DELEGATION = [
  ['dicom-primary-a', '10.1.0.11'],
  ['dicom-primary-b', '10.1.0.12'],
  ['dicom-secondary-a', '10.2.0.11'],
  ['dicom-secondary-b', '10.2.0.12'],
]

/** The hospital's primary DNS: BIND 9, authoritative for mysite.com, recursive for the hospital's clients. */
function namedFiles() {
  const zone = [
    '$TTL 300',
    '@ IN SOA ns.mysite.com. hostmaster.mysite.com. 1 3600 600 86400 60',
    '@ IN NS ns.mysite.com.',
    `ns IN A ${PRIMARY_DNS}`,
    '; the GSLB nodes themselves',
    ...DELEGATION.map(([name, address]) => `${name} IN A ${address}`),
    `; the delegation: the GSLB nodes answer for ${DICOM_NAME}`,
    ...DELEGATION.map(([name]) => `dicom IN NS ${name}.mysite.com.`),
    '',
  ].join('\n')
  const conf = [
    'options {',
    `  directory "${dnsDir}";`,
    `  pid-file "${join(dnsDir, 'named.pid')}";`,
    `  session-keyfile "${join(dnsDir, 'session.key')}";`,
    `  managed-keys-directory "${dnsDir}";`,
    `  listen-on { ${PRIMARY_DNS}; };`,
    '  listen-on-v6 { none; };',
    '  recursion yes;',
    '  allow-query { any; };',
    '  allow-recursion { 10.0.0.0/8; };',
    '  dnssec-validation no;',
    '};',
    'controls { };',
    'zone "mysite.com" {',
    '  type primary;',
    `  file "${join(dnsDir, 'mysite.com.zone')}";`,
    '};',
    '',
  ].join('\n')
  return { zone, conf }
}

/** An ECS-sending resolver (Debian unbound): the delegation's nameservers get the client's /24. */
function unboundConf() {
  return [
    'server:',
    `  interface: ${ECS_RESOLVER}`,
    '  port: 53',
    '  do-ip6: no',
    '  do-daemonize: no',
    '  use-syslog: no',
    '  logfile: ""',
    `  pidfile: "${join(unboundDir, 'unbound.pid')}"`,
    '  username: ""',
    '  chroot: ""',
    `  directory: "${unboundDir}"`,
    '  num-threads: 1',
    '  so-reuseport: no',
    '  access-control: 10.0.0.0/8 allow',
    '  module-config: "subnetcache iterator"',
    ...DELEGATION.map(([, address]) => `  send-client-subnet: ${address}`),
    '  max-client-subnet-ipv4: 24',
    'stub-zone:',
    '  name: "mysite.com"',
    `  stub-addr: ${PRIMARY_DNS}`,
    '',
  ].join('\n')
}

/** Writes every config file under the state folder; returns the node configs' paths. */
export function writeConfigs() {
  for (const balancer of balancers()) {
    write(nodeConfigFile(balancer), `${JSON.stringify(nodeConfig(balancer), null, 2)}\n`)
    write(keepalivedConfigFile(balancer), keepalivedConf(balancer))
  }
  const named = namedFiles()
  write(join(dnsDir, 'mysite.com.zone'), named.zone)
  write(namedConfFile, named.conf)
  write(unboundConfFile, unboundConf())
}
