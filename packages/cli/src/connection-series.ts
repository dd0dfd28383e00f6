import { Counter, type Registry } from 'prom-client'

/** Buckets of `gslb_connect_duration_seconds`. */
export const CONNECT_SECONDS_BUCKETS = [
  0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3,
]

/** What the finished connections of one service add to its series, as plain numbers. */
class ServiceTally {
  readonly serviceLabels: { readonly service: string }
  readonly inLabels: { readonly service: string; readonly direction: 'in' }
  readonly outLabels: { readonly service: string; readonly direction: 'out' }
  /** Not handed to the counters yet (zeroed at each scrape). */
  connections = 0
  bytesIn = 0
  bytesOut = 0
  readonly associations = new Map<string, number>()
  /** Connect durations since the start: per bucket (not cumulative; the last is +Inf), their sum and count. */
  readonly buckets = new Float64Array(CONNECT_SECONDS_BUCKETS.length + 1)
  connectSum = 0
  connectCount = 0

  constructor(readonly service: string) {
    this.serviceLabels = Object.freeze({ service })
    this.inLabels = Object.freeze({ service, direction: 'in' as const })
    this.outLabels = Object.freeze({ service, direction: 'out' as const })
  }
}

interface CollectedValue {
  labels: Record<string, string | number>
  value: number
  metricName: string
}

/**
 * The per-connection series — `gslb_connections_total`, `gslb_bytes_total`, `gslb_associations_total` and the
 * `gslb_connect_duration_seconds` histogram — counted in plain numbers per service and handed to Prometheus at scrape
 * time (issue 13, decision 0022: prom-client hashes its labels on every inc()/observe(), ~3 % of a node's CPU per
 * connection). The counters are prom-client's, owned here so that nothing else increments them per connection; their
 * `collect` hooks take what was counted since the last scrape. The histogram is this object itself, registered as a
 * metric of its own.
 */
export class ConnectionSeries {
  readonly name = 'gslb_connect_duration_seconds'
  readonly help = 'Time to connect to the server that carried a connection, by service.'
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly #tallies = new Map<string, ServiceTally>()
  readonly #connections: Counter<'service'>
  readonly #bytes: Counter<'service' | 'direction'>
  readonly #associations: Counter<'service' | 'site'>

  constructor(registry: Registry) {
    const registers = [registry]
    const collect = () => this.flush()
    this.#connections = new Counter({
      name: 'gslb_connections_total',
      help: 'Client connections accepted, by service.',
      labelNames: ['service'],
      registers,
      collect,
    })
    this.#bytes = new Counter({
      name: 'gslb_bytes_total',
      help: 'Bytes forwarded, by service and direction (in: client to server, out: server to client).',
      labelNames: ['service', 'direction'],
      registers,
      collect,
    })
    this.#associations = new Counter({
      name: 'gslb_associations_total',
      help: 'DICOM associations forwarded (services with sniffDicom), by service and the site of the server that took them; health checks are not counted.',
      labelNames: ['service', 'site'],
      registers,
      collect,
    })
    // prom-client's metric interface is name, help, type, get() and reset(); its Metric class type is not exported
    registry.registerMetric(this as never)
  }

  /**
   * One finished connection: its bytes each way, how long the connect to its server took (NaN: it never connected)
   * and, for a DICOM association, the site of that server (undefined: not counted as an association).
   */
  record(
    service: string,
    bytesIn: number,
    bytesOut: number,
    connectSeconds: number,
    associationSite?: string,
  ): void {
    let tally = this.#tallies.get(service)
    if (tally === undefined) {
      tally = new ServiceTally(service)
      this.#tallies.set(service, tally)
    }
    tally.connections++
    tally.bytesIn += bytesIn
    tally.bytesOut += bytesOut
    if (!Number.isNaN(connectSeconds)) {
      let bucket = 0
      while (bucket < CONNECT_SECONDS_BUCKETS.length && connectSeconds > CONNECT_SECONDS_BUCKETS[bucket]!)
        bucket++
      tally.buckets[bucket]!++
      tally.connectSum += connectSeconds
      tally.connectCount++
    }
    if (associationSite !== undefined)
      tally.associations.set(associationSite, (tally.associations.get(associationSite) ?? 0) + 1)
  }

  /** Hands what was counted since the last scrape to the counters (their `collect` hooks call it; once is enough). */
  flush(): void {
    const connections = this.#connections
    const bytes = this.#bytes
    const associations = this.#associations
    for (const tally of this.#tallies.values()) {
      if (tally.connections > 0) connections.inc(tally.serviceLabels, tally.connections)
      if (tally.bytesIn > 0) bytes.inc(tally.inLabels, tally.bytesIn)
      if (tally.bytesOut > 0) bytes.inc(tally.outLabels, tally.bytesOut)
      tally.connections = 0
      tally.bytesIn = 0
      tally.bytesOut = 0
      for (const [site, count] of tally.associations)
        associations.inc({ service: tally.service, site }, count)
      tally.associations.clear()
    }
  }

  /** prom-client's metric interface: the histogram's series (cumulative buckets, sum, count). */
  get(): { name: string; help: string; type: string; aggregator: string; values: CollectedValue[] } {
    const values: CollectedValue[] = []
    for (const tally of this.#tallies.values()) {
      if (tally.connectCount === 0) continue
      let cumulative = 0
      for (let i = 0; i <= CONNECT_SECONDS_BUCKETS.length; i++) {
        cumulative += tally.buckets[i]!
        const le = i < CONNECT_SECONDS_BUCKETS.length ? CONNECT_SECONDS_BUCKETS[i]! : '+Inf'
        values.push({
          labels: { le, service: tally.service },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        })
      }
      values.push({
        labels: { service: tally.service },
        value: tally.connectSum,
        metricName: `${this.name}_sum`,
      })
      values.push({
        labels: { service: tally.service },
        value: tally.connectCount,
        metricName: `${this.name}_count`,
      })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  /** prom-client's metric interface (`registry.resetMetrics()`). */
  reset(): void {
    this.#tallies.clear()
  }
}
