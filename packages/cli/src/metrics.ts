import { Counter, Gauge, Registry } from 'prom-client'

/** The Prometheus series of one node. Gauges of current state are filled by `refresh` callbacks at scrape time. */
export interface NodeMetrics {
  registry: Registry
  memberUp: Gauge<'pool' | 'member' | 'address'>
  serverUp: Gauge<'service' | 'server'>
  checks: Counter<'target' | 'result'>
  stateChanges: Counter<'target' | 'state'>
  dnsQueries: Counter<'rcode'>
  resolverLookups: Counter<'name' | 'result'>
  resolverAddresses: Gauge<'name'>
  connections: Counter<'service'>
  connectionsActive: Gauge<'service'>
  connectFailures: Counter<'service'>
  bytes: Counter<'service' | 'direction'>
  reloads: Counter<'result'>
  info: Gauge<'node' | 'site' | 'version'>
}

/** Creates a registry of its own (never the global one), so two nodes in one process do not collide. */
export function createMetrics(refresh: (metrics: NodeMetrics) => void = () => {}): NodeMetrics {
  const registry = new Registry()
  const registers = [registry]
  let metrics: NodeMetrics | undefined
  const collect = () => {
    if (metrics) refresh(metrics)
  }
  metrics = {
    registry,
    memberUp: new Gauge({
      name: 'gslb_member_up',
      help: 'GSLB pool member health: 1 up, 0 down, -1 not yet known.',
      labelNames: ['pool', 'member', 'address'],
      registers,
      collect,
    }),
    serverUp: new Gauge({
      name: 'gslb_server_up',
      help: 'Service server health: 1 up, 0 down, -1 not yet known.',
      labelNames: ['service', 'server'],
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
    connections: new Counter({
      name: 'gslb_connections_total',
      help: 'Client connections accepted, by service.',
      labelNames: ['service'],
      registers,
    }),
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
    bytes: new Counter({
      name: 'gslb_bytes_total',
      help: 'Bytes forwarded, by service and direction (in: client to server, out: server to client).',
      labelNames: ['service', 'direction'],
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
  return metrics
}
