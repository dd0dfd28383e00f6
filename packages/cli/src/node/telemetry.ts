import type { Forwarder } from '@gslb/forwarder'
import type { HealthChecker } from '@gslb/health'
import { formatEndpoint } from '../config/addresses.js'
import type { Logger } from '../log.js'
import type { NodeMetrics } from '../metrics.js'
import type { Observable } from './observe.js'

/** Health events → counters and log lines (a target going down is a warning). */
export function observeHealth(health: HealthChecker, metrics: NodeMetrics, logger: Logger): void {
  health.on('check:result', (e) => {
    metrics.checks.inc({ target: e.id, result: e.result.ok ? 'ok' : 'fail' })
  })
  health.on('target:change', (e) => {
    metrics.stateChanges.inc({ target: e.id, state: e.current })
    const fields = {
      target: e.id,
      previous: e.previous,
      current: e.current,
      admin: e.admin,
      reason: e.reason.message,
    }
    if (e.current === 'down') logger.warn(fields, 'health changed')
    else logger.info(fields, 'health changed')
  })
}

/** Forwarder events → counters and one log line per finished connection; connect failures go to `onConnectFail`. */
export function observeForwarder(
  forwarder: Forwarder,
  metrics: NodeMetrics,
  logger: Logger,
  onConnectFail: (event: { service: string; address: string }) => void,
): void {
  forwarder.on('connection:close', (log) => {
    metrics.connections.inc({ service: log.service })
    metrics.bytes.inc({ service: log.service, direction: 'in' }, log.bytesFromClient)
    metrics.bytes.inc({ service: log.service, direction: 'out' }, log.bytesFromServer)
    logger.info(
      {
        service: log.service,
        client: formatEndpoint(log.client.address, log.client.port),
        server: log.server,
        end: log.end,
        durationMs: log.durationMs,
        bytesIn: log.bytesFromClient,
        bytesOut: log.bytesFromServer,
        ...(log.attempts.length > 1 ? { attempts: log.attempts } : {}),
        ...(log.callingAE ? { callingAE: log.callingAE, calledAE: log.calledAE } : {}),
      },
      'connection closed',
    )
  })
  forwarder.on('connection:reject', (e) => logger.warn({ ...e }, 'connection rejected'))
  forwarder.on('server:change', (e) => logger.info({ ...e }, 'server state changed'))
  forwarder.on('listener:error', (e) =>
    logger.error({ service: e.service, listen: e.listen, err: e.error.message }, 'listener error'),
  )
  forwarder.on('connect:fail', (e) => {
    // The forwarder logs the failure itself; the node adds the fast failover.
    metrics.connectFailures.inc({ service: e.service })
    onConnectFail(e)
  })
}

const gaugeValue = (state: string | undefined) =>
  state === 'up' ? 1 : state === 'down' || state === 'drain' ? 0 : -1

/** Fills the state gauges at scrape time, and grows the DNS counter by what the engine counted since. */
export class MetricsRefresher {
  readonly #dnsSeen = new Map<string, number>()

  refresh(metrics: NodeMetrics, node: Observable): void {
    const responses = node.engine?.engine.stats().responses
    if (responses) {
      const totals = new Map<string, number>()
      for (const byRcode of [responses.udp, responses.tcp]) {
        for (const [rcode, count] of Object.entries(byRcode))
          totals.set(rcode, (totals.get(rcode) ?? 0) + count)
      }
      for (const [rcode, total] of totals) {
        const delta = total - (this.#dnsSeen.get(rcode) ?? 0)
        if (delta > 0) metrics.dnsQueries.inc({ rcode }, delta)
        this.#dnsSeen.set(rcode, total)
      }
    }
    metrics.memberUp.reset()
    for (const [poolName, pool] of Object.entries(node.config.gslb?.pools ?? {})) {
      for (const member of pool.members) {
        const state = node.engine?.memberState(poolName, member.name)
        metrics.memberUp.set(
          { pool: poolName, member: member.name, address: member.address },
          gaugeValue(state),
        )
      }
    }
    metrics.serverUp.reset()
    metrics.connectionsActive.reset()
    metrics.resolverAddresses.reset()
    for (const stats of node.forwarder?.stats() ?? []) {
      metrics.connectionsActive.set({ service: stats.name }, stats.active)
      for (const server of stats.servers) {
        const state = server.state === 'draining' ? 'drain' : server.state
        metrics.serverUp.set({ service: stats.name, server: server.id }, gaugeValue(state))
      }
    }
    for (const [, resolver] of node.resolvers.entries()) {
      for (const name of resolver.snapshot().names) {
        metrics.resolverAddresses.set({ name: name.name }, name.addresses.length)
      }
    }
  }
}
