// Every file the lab's daemons read comes from the files users are shown (examples/two-site: fleet.json and the
// keepalived confs), so the lab cannot drift from what the docs tell a hospital to deploy.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { balancers, DICOM_NAME, ECS_RESOLVER, EXAMPLE_DIR, PRIMARY_DNS, STATE_DIR } from './plan.mjs'

function write(file, text) {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
}

/** examples/two-site/fleet.json: one file for the four nodes; each runs `gslb-lb run -c fleet.json --node NAME`. */
export const FLEET_FILE = join(EXAMPLE_DIR, 'fleet.json')

export const keepalivedConfigFile = (balancer) =>
  join(STATE_DIR, 'config', `keepalived-${balancer.node}.conf`)

/**
 * examples/two-site/keepalived/<node>.conf as a user copies it, with one change: the track scripts run as root (the
 * example's `script_user` is the system user the Debian package adds, which the lab does not add to the host;
 * keepalived drops the track scripts of a user that does not exist, and the VIP would then never move).
 */
export function keepalivedConf(balancer) {
  const conf = readFileSync(join(EXAMPLE_DIR, 'keepalived', `${balancer.node}.conf`), 'utf8')
  const pattern = /^(\s*script_user)\s+\S+/m
  if (!pattern.test(conf))
    throw new Error(`examples/two-site/keepalived/${balancer.node}.conf has no script_user`)
  return conf.replace(pattern, '$1 root')
}

/** The delegation's nameservers (name, address), from the fleet file's zone: what BIND delegates to. */
export function delegation() {
  const fleet = JSON.parse(readFileSync(FLEET_FILE, 'utf8'))
  const zone = fleet.gslb.zones.find((z) => z.name === DICOM_NAME)
  return zone.nameservers.flatMap((ns) =>
    typeof ns === 'string' ? [] : ns.addresses.map((address) => [ns.name, address]),
  )
}

export const dnsDir = join(STATE_DIR, 'dns')
/** The primary DNS's views, one per site, as docs/delegation.md shows them. */
export const BIND_VIEWS_FILE = join(EXAMPLE_DIR, 'bind', 'views.conf')

/** The source addresses the views query the GSLB from (`query-source address …`): the DNS machine holds them. */
export function bindQuerySources() {
  return [
    ...readFileSync(BIND_VIEWS_FILE, 'utf8').matchAll(/query-source address (\d+\.\d+\.\d+\.\d+)/g),
  ].map((m) => m[1])
}
export const namedConfFile = join(dnsDir, 'named.conf')
export const unboundDir = join(STATE_DIR, 'resolver')
export const unboundConfFile = join(unboundDir, 'unbound.conf')

/** The hospital's primary DNS: BIND 9, authoritative for mysite.com, recursive for the hospital's clients. */
function namedFiles() {
  const zone = [
    '$TTL 300',
    '@ IN SOA ns.mysite.com. hostmaster.mysite.com. 1 3600 600 86400 60',
    '@ IN NS ns.mysite.com.',
    `ns IN A ${PRIMARY_DNS}`,
    `; the delegation: the GSLB nodes answer for ${DICOM_NAME}; their names are inside it, so with glue`,
    ...delegation().map(([name]) => `dicom IN NS ${name}.`),
    ...delegation().map(([name, address]) => `${name}. IN A ${address}`),
    '',
  ].join('\n')
  // examples/two-site/bind/views.conf holds the zone (one view per site, each with its own query-source)
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
    `include "${BIND_VIEWS_FILE}";`,
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
    ...delegation().map(([, address]) => `  send-client-subnet: ${address}`),
    '  max-client-subnet-ipv4: 24',
    'stub-zone:',
    '  name: "mysite.com"',
    `  stub-addr: ${PRIMARY_DNS}`,
    '',
  ].join('\n')
}

/** Writes every config file the daemons read under the state folder (the gslb-lb nodes read the fleet file). */
export function writeConfigs() {
  for (const balancer of balancers()) write(keepalivedConfigFile(balancer), keepalivedConf(balancer))
  const named = namedFiles()
  write(join(dnsDir, 'db.mysite.com'), named.zone)
  write(namedConfFile, named.conf)
  write(unboundConfFile, unboundConf())
}
