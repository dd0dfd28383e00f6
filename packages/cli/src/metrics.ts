import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { ConnectionSeries } from './connection-series.js'

/** One DNS answer in this many is timed for `gslb_dns_answer_duration_seconds` (bench/answer-timing.bench.ts). */
export const DNS_ANSWER_SAMPLE_EVERY = 16

/** Answer times kept between two scrapes (later ones are dropped): a scrape observes at most this many, ~2 ms. */
const ANSWER_SAMPLES_PER_SCRAPE = 1024

const PROMTOOL_REFUSED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]

/** The Prometheus series of one node. Gauges of current state are filled by `refresh` callbacks at scrape time. */
export interface NodeMetrics {
  registry: Registry
  memberUp: Gauge<'pool' | 'member' | 'address'>
  serverUp: Gauge<'service' | 'server'>
  serviceServers: Gauge<'service'>
  serviceServersAvailable: Gauge<'service'>
  siteMembers: Gauge<'site'>
  siteMembersUp: Gauge<'site'>
  checks: Counter<'target' | 'result'>
  stateChanges: Counter<'target' | 'state'>
  dnsQueries: Counter<'rcode'>
  resolverLookups: Counter<'name' | 'result'>
  resolverAddresses: Gauge<'name'>
  resolverNameOnline: Gauge<'resolver' | 'name'>
  resolverLastSuccess: Gauge<'resolver' | 'name'>
  dnsAnswerSeconds: Histogram
  /** Keeps one answer time for `dnsAnswerSeconds`; cheap (the histogram takes it at the next scrape). */
  recordAnswerSeconds(seconds: number): void
  /**
   * Counts each finished connection in plain numbers (`record`) for `gslb_connections_total`, `gslb_bytes_total`,
   * `gslb_associations_total` and `gslb_connect_duration_seconds`, handed over at scrape time.
   */
  connectionSeries: ConnectionSeries
  connectionsActive: Gauge<'service'>
  connectFailures: Counter<'service'>
  reloads: Counter<'result'>
  info: Gauge<'node' | 'site' | 'version'>
}

/**
 * Creates a registry of its own (never the global one), so two nodes in one process do not collide. It also holds
 * prom-client's default process metrics (CPU, memory, open fds, event-loop lag, GC).
 */
export function createMetrics(refresh: (metrics: NodeMetrics) => void = () => {}): NodeMetrics {
  const registry = new Registry()
  const registers = [registry]
  let metrics: NodeMetrics | undefined
  const pendingAnswers = { seconds: new Float64Array(ANSWER_SAMPLES_PER_SCRAPE), count: 0 }
  const collect = () => {
    if (metrics) refresh(metrics)
  }
  metrics = {
    registry,
    connectionSeries: new ConnectionSeries(registry),
    memberUp: new Gauge({
      name: 'gslb_member_up',
      help: 'GSLB pool member health: 1 up, 0 down, -1 not yet known.',
      labelNames: ['pool', 'member', 'address'],
      registers,
      collect,
    }),
    serverUp: new Gauge({
      name: 'gslb_server_up',
      help: 'Service server: 1 takes new connections (checked up; or, without a monitor, not marked down by failed connects), 0 down or draining, -1 monitored but not checked yet.',
      labelNames: ['service', 'server'],
      registers,
    }),
    serviceServers: new Gauge({
      name: 'gslb_service_servers',
      help: 'Servers a service has now (0: e.g. its backend names resolve to nothing).',
      labelNames: ['service'],
      registers,
    }),
    serviceServersAvailable: new Gauge({
      name: 'gslb_service_servers_available',
      help: 'Servers a service would send a new connection to now: not down, not draining, weight above 0 (0: every new connection to it fails).',
      labelNames: ['service'],
      registers,
    }),
    siteMembers: new Gauge({
      name: 'gslb_site_members',
      help: 'GSLB pool members in a site (topology datacenter).',
      labelNames: ['site'],
      registers,
    }),
    siteMembersUp: new Gauge({
      name: 'gslb_site_members_up',
      help: 'GSLB pool members of a site that are up.',
      labelNames: ['site'],
      registers,
    }),
    checks: new Counter({
      name: 'gslb_health_checks_total',
      help: 'Health checks run, by target and result (ok, fail).',
      labelNames: ['target', 'result'],
      registers,
    }),
    stateChanges: new Counter({
      name: 'gslb_health_state_changes_total',
      help: 'Effective health state changes, by target and new state.',
      labelNames: ['target', 'state'],
      registers,
    }),
    dnsQueries: new Counter({
      name: 'gslb_dns_queries_total',
      help: 'DNS queries answered by the engine, by response code.',
      labelNames: ['rcode'],
      registers,
    }),
    resolverLookups: new Counter({
      name: 'gslb_resolver_lookups_total',
      help: 'Lookups of tracked backend names, by name and result.',
      labelNames: ['name', 'result'],
      registers,
    }),
    resolverAddresses: new Gauge({
      name: 'gslb_resolver_addresses',
      help: 'Addresses currently known for a tracked backend name.',
      labelNames: ['name'],
      registers,
    }),
    resolverNameOnline: new Gauge({
      name: 'gslb_resolver_name_online',
      help: 'A tracked backend name: 1 online, 0 offline or not resolved yet.',
      labelNames: ['resolver', 'name'],
      registers,
    }),
    resolverLastSuccess: new Gauge({
      name: 'gslb_resolver_last_success_timestamp_seconds',
      help: 'When a lookup of a tracked backend name last succeeded (Unix time); the addresses in use date from then.',
      labelNames: ['resolver', 'name'],
      registers,
    }),
    dnsAnswerSeconds: new Histogram({
      name: 'gslb_dns_answer_duration_seconds',
      help: `Time the engine takes to answer a query (CPU, no network), sampled 1 in ${DNS_ANSWER_SAMPLE_EVERY} (at most ${ANSWER_SAMPLES_PER_SCRAPE} per scrape).`,
      buckets: [0.000_002, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.01],
      registers,
      collect() {
        for (let i = 0; i < pendingAnswers.count; i++) this.observe(pendingAnswers.seconds[i]!)
        pendingAnswers.count = 0
      },
    }),
    recordAnswerSeconds(seconds) {
      // Histogram.observe() costs about as much as answering the query; a store into an array does not.
      if (pendingAnswers.count < ANSWER_SAMPLES_PER_SCRAPE)
        pendingAnswers.seconds[pendingAnswers.count++] = seconds
    },
    connectionsActive: new Gauge({
      name: 'gslb_connections_active',
      help: 'Client connections open now, by service.',
      labelNames: ['service'],
      registers,
    }),
    connectFailures: new Counter({
      name: 'gslb_connect_failures_total',
      help: 'Failed connects to servers, by service.',
      labelNames: ['service'],
      registers,
    }),
    reloads: new Counter({
      name: 'gslb_config_reloads_total',
      help: 'Configuration reloads, by result (applied, rejected).',
      labelNames: ['result'],
      registers,
    }),
    info: new Gauge({
      name: 'gslb_node_info',
      help: 'This node (always 1).',
      labelNames: ['node', 'site', 'version'],
      registers,
    }),
  }
  // Counters an alert uses with increase()/rate() exist from the start, so their first increment is seen.
  for (const result of ['applied', 'rejected']) metrics.reloads.inc({ result }, 0)
  collectDefaultMetrics({ register: registry })
  // Gauges named like counters (promtool check metrics refuses them); process_open_fds says what matters of them.
  for (const name of PROMTOOL_REFUSED_DEFAULTS) registry.removeSingleMetric(name)
  return metrics
}
