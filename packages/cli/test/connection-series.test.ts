import { Counter, Histogram, Registry } from 'prom-client'
import { CONNECT_SECONDS_BUCKETS } from '../src/connection-series.js'
import { createMetrics } from '../src/metrics.js'

const SERIES = [
  'gslb_connections_total',
  'gslb_bytes_total',
  'gslb_associations_total',
  'gslb_connect_duration_seconds',
]

/** The same series kept the obvious way: prom-client's own counters and histogram, one inc()/observe() each. */
function oracle() {
  const registry = new Registry()
  const registers = [registry]
  const connections = new Counter({
    name: 'gslb_connections_total',
    help: 'x',
    labelNames: ['service'],
    registers,
  })
  const bytes = new Counter({
    name: 'gslb_bytes_total',
    help: 'x',
    labelNames: ['service', 'direction'],
    registers,
  })
  const associations = new Counter({
    name: 'gslb_associations_total',
    help: 'x',
    labelNames: ['service', 'site'],
    registers,
  })
  const connect = new Histogram({
    name: 'gslb_connect_duration_seconds',
    help: 'x',
    labelNames: ['service'],
    buckets: CONNECT_SECONDS_BUCKETS,
    registers,
  })
  return {
    registry,
    record(service: string, bytesIn: number, bytesOut: number, seconds: number, site?: string) {
      connections.inc({ service })
      bytes.inc({ service, direction: 'in' }, bytesIn)
      bytes.inc({ service, direction: 'out' }, bytesOut)
      if (!Number.isNaN(seconds)) connect.observe({ service }, seconds)
      if (site !== undefined) associations.inc({ service, site })
    },
  }
}

/** The sample lines of the named series (HELP texts differ between the two registries). */
async function samples(registry: Registry): Promise<string[]> {
  const text = await registry.metrics()
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#') && SERIES.some((name) => line.startsWith(name)))
    .sort()
}

/** A deterministic stream of connections over three services, some never connected, some associations. */
function* connections(count: number, seed: number) {
  let state = seed
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x7fffffff
  }
  for (let i = 0; i < count; i++) {
    const service = ['DICOM_DNS_PROXY', 'DICOM_CLUSTER', 'plain'][Math.floor(random() * 3)]!
    // durations across every bucket, bucket bounds themselves included (le is inclusive)
    const pick = random()
    const seconds =
      pick < 0.1
        ? Number.NaN
        : pick < 0.2
          ? CONNECT_SECONDS_BUCKETS[Math.floor(random() * CONNECT_SECONDS_BUCKETS.length)]!
          : random() ** 3 * 5
    const site = random() < 0.3 ? (random() < 0.5 ? 'A' : 'B') : undefined
    yield [service, Math.floor(random() * 1e6), Math.floor(random() * 1e9), seconds, site] as const
  }
}

describe('the per-connection series, counted in plain numbers and handed over at scrape time', () => {
  test("says exactly what prom-client's own counters and histogram say, scrape after scrape", async () => {
    const metrics = createMetrics()
    const expected = oracle()
    for (const round of [1, 2, 3]) {
      for (const [service, bytesIn, bytesOut, seconds, site] of connections(500 * round, round)) {
        metrics.connectionSeries.record(service, bytesIn, bytesOut, seconds, site)
        expected.record(service, bytesIn, bytesOut, seconds, site)
      }
      const got = await samples(metrics.registry)
      expect(got).toEqual(await samples(expected.registry))
      expect(got.length).toBeGreaterThan(40)
      // a second scrape with nothing new changes nothing (what was handed over is not handed over twice)
      expect(await samples(metrics.registry)).toEqual(got)
    }
  })

  test('a connection that never connected counts, without a connect duration', async () => {
    const metrics = createMetrics()
    metrics.connectionSeries.record('s', 10, 20, Number.NaN)
    const text = await metrics.registry.metrics()
    expect(text).toContain('gslb_connections_total{service="s"} 1')
    expect(text).toContain('gslb_bytes_total{service="s",direction="in"} 10')
    expect(text).not.toContain('gslb_connect_duration_seconds_count{service="s"}')
    metrics.connectionSeries.record('s', 0, 0, 0.002)
    expect(await metrics.registry.metrics()).toContain('gslb_connect_duration_seconds_count{service="s"} 1')
  })

  test("registry.resetMetrics() resets them like prom-client's own", async () => {
    const metrics = createMetrics()
    metrics.connectionSeries.record('s', 1, 2, 0.01, 'A')
    await metrics.registry.metrics()
    metrics.connectionSeries.record('s', 1, 2, 0.01, 'A')
    metrics.registry.resetMetrics()
    const text = await metrics.registry.metrics()
    expect(text).not.toContain('gslb_connect_duration_seconds_count{service="s"}')
    expect(text).not.toContain('gslb_connections_total{service="s"}')
    expect(text).toContain('# TYPE gslb_connect_duration_seconds histogram')
  })
})
