import { networkInterfaces } from 'node:os'
import type { ConnectionLog, Forwarder } from '@gslb/forwarder'
import { type HealthChecker, constants as healthConstants } from '@gslb/health'
import { createPrefixSet, type PrefixSet } from '@gslb/topology'
import { formatEndpoint, isLoopback } from '../config/addresses.js'
import type { Config } from '../config/types.js'
import type { Logger } from '../log.js'
import type { NodeMetrics } from '../metrics.js'
import type { Observable } from './observe.js'

/**
 * Health events → counters and one log line per effective state change (a target going down is a warning). This
 * is the line an operator reads; the engine's and the forwarder's echo of the same change go to debug. A handler
 * that throws comes back as 'handler:error' and is logged once, at error.
 */
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
  health.on('handler:error', (e) =>
    logger.error({ event: e.event, err: e.error }, 'health event handler threw'),
  )
}

/** How long the list of this host's addresses is trusted (keepalived moves VIPs on and off). */
const LOCAL_ADDRESSES_TTL_MS = 10_000

/**
 * Recognises this node's own health checks among the connections its services carry (a pool member is often a
 * cluster VIP served by this very node, so every C-ECHO check of it is also a connection through that service):
 * a connection whose A-ASSOCIATE-RQ carries a monitor's calling AE title, or, when the service does not sniff
 * DICOM, one that came from an address of this host.
 */
export class ProbeClassifier {
  #addresses = new Set<string>()
  #addressesAt = Number.NEGATIVE_INFINITY
  #aeTitlesOf: Config | undefined
  #aeTitles = new Set<string>()

  constructor(private readonly config: () => Config) {}

  isProbe(log: Pick<ConnectionLog, 'client' | 'callingAE'>): boolean {
    if (log.callingAE !== undefined) return this.aeTitles().has(log.callingAE.trim())
    return this.isLocal(log.client.address)
  }

  private aeTitles(): Set<string> {
    const config = this.config()
    if (this.#aeTitlesOf !== config) {
      this.#aeTitlesOf = config
      this.#aeTitles = new Set([healthConstants.DEFAULT_HEALTH_CALLING_AE])
      for (const monitor of Object.values(config.monitors ?? {})) {
        if (monitor.type === 'dicom' && monitor.callingAE) this.#aeTitles.add(monitor.callingAE.trim())
      }
    }
    return this.#aeTitles
  }

  private isLocal(address: string): boolean {
    if (isLoopback(address)) return true
    const now = Date.now()
    if (now - this.#addressesAt > LOCAL_ADDRESSES_TTL_MS) {
      this.#addressesAt = now
      this.#addresses = new Set(
        Object.values(networkInterfaces())
          .flat()
          .map((entry) => entry?.address.toLowerCase())
          .filter((entry): entry is string => entry !== undefined),
      )
    }
    return this.#addresses.has(address.toLowerCase())
  }
}

/** The datacenter (site) of an address by the topology's subnets, most specific first; '' when none. */
export class SiteLookup {
  #of: Config | undefined
  #sites: { site: string; prefixes: PrefixSet }[] = []

  constructor(private readonly config: () => Config) {}

  siteOf(address: string): string {
    const config = this.config()
    if (this.#of !== config) {
      this.#of = config
      this.#sites = Object.entries(config.topology?.datacenters ?? {}).map(([site, dc]) => ({
        site,
        prefixes: createPrefixSet(dc.cidrs),
      }))
    }
    let best = ''
    let bestLength = -1
    for (const { site, prefixes } of this.#sites) {
      const match = prefixes.match(address)
      if (match && match.prefixLength > bestLength) {
        best = site
        bestLength = match.prefixLength
      }
    }
    return best
  }
}

/**
 * Forwarder events → counters, histograms and one log line per event: a finished connection at info (the node's
 * own health checks at debug), a rejected one and a failed connect at warn, a server state change the health
 * checker did not already report at info (down: warn). Connect failures also go to `onConnectFail`. The forwarder
 * itself never logs: these are the only lines about its events.
 */
export function observeForwarder(
  forwarder: Forwarder,
  metrics: NodeMetrics,
  logger: Logger,
  onConnectFail: (event: { service: string; address: string }) => void,
  config: () => Config = () => ({ node: { name: '' } }),
): void {
  const probes = new ProbeClassifier(config)
  const sites = new SiteLookup(config)
  // Once per connection (issue 13): the series count in plain numbers.
  forwarder.on('connection:close', (log) => {
    const connected = log.attempts.find((attempt) => attempt.error === undefined)
    const probe = probes.isProbe(log)
    metrics.connectionSeries.record(
      log.service,
      log.bytesFromClient,
      log.bytesFromServer,
      connected ? connected.durationMs / 1000 : Number.NaN,
      log.callingAE !== undefined && !probe && connected ? sites.siteOf(connected.address) : undefined,
    )
    // the line's fields are built only when it is written (a probe's at debug)
    if (!logger.isLevelEnabled(probe ? 'debug' : 'info')) return
    const fields = {
      service: log.service,
      client: formatEndpoint(log.client.address, log.client.port),
      server: log.server,
      end: log.end,
      durationMs: log.durationMs,
      bytesIn: log.bytesFromClient,
      bytesOut: log.bytesFromServer,
      ...(log.attempts.length > 1 ? { attempts: log.attempts } : {}),
      ...(log.callingAE ? { callingAE: log.callingAE, calledAE: log.calledAE } : {}),
    }
    if (probe) logger.debug({ ...fields, probe: true }, 'connection closed')
    else logger.info(fields, 'connection closed')
  })
  forwarder.on('connection:reject', (e) => logger.warn({ ...e }, 'connection rejected'))
  forwarder.on('server:change', (e) => {
    // A change the health checker caused was logged once, as 'health changed'.
    if (e.reason.startsWith('health check')) logger.debug({ ...e }, 'server state changed')
    else if (e.current === 'down') logger.warn({ ...e }, 'server state changed')
    else logger.info({ ...e }, 'server state changed')
  })
  forwarder.on('listener:error', (e) =>
    logger.error({ service: e.service, listen: e.listen, err: e.error.message }, 'listener error'),
  )
  forwarder.on('target:reject', (e) =>
    logger.error({ service: e.service, server: e.server, err: e.error.message }, 'health target rejected'),
  )
  forwarder.on('handler:error', (e) =>
    logger.error({ event: e.event, err: e.error }, 'forwarder event handler threw'),
  )
  forwarder.on('connect:fail', (e) => {
    metrics.connectFailures.inc({ service: e.service })
    logger.warn({ service: e.service, server: e.server, err: e.error.message }, 'backend connect failed')
    onConnectFail(e)
  })
}

/**
 * A server the forwarder may send new connections to counts as up (1): checked up, or — when its service has no
 * active monitor, like a DNS-proxy service whose servers are resolved addresses — not marked down by failed
 * connects. 0: down or draining (state `drain`). -1: a monitored server not checked yet.
 */
export function serverUpValue(state: string, monitored: boolean): number {
  if (state === 'up') return 1
  if (state === 'down' || state === 'drain') return 0
  return monitored ? -1 : 1
}

const memberValue = (state: string | undefined) =>
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
    metrics.siteMembers.reset()
    metrics.siteMembersUp.reset()
    for (const site of Object.keys(node.config.topology?.datacenters ?? {})) {
      metrics.siteMembers.set({ site }, 0)
      metrics.siteMembersUp.set({ site }, 0)
    }
    for (const [poolName, pool] of Object.entries(node.config.gslb?.pools ?? {})) {
      for (const member of pool.members) {
        const state = node.engine?.memberState(poolName, member.name)
        const value = memberValue(state)
        metrics.memberUp.set({ pool: poolName, member: member.name, address: member.address }, value)
        if (member.datacenter !== undefined) {
          metrics.siteMembers.inc({ site: member.datacenter })
          if (value === 1) metrics.siteMembersUp.inc({ site: member.datacenter })
        }
      }
    }
    metrics.serverUp.reset()
    metrics.serviceServers.reset()
    metrics.serviceServersAvailable.reset()
    metrics.connectionsActive.reset()
    const stats = node.forwarder?.stats() ?? []
    for (const name of Object.keys(node.config.services ?? {})) {
      metrics.serviceServers.set({ service: name }, 0)
      metrics.serviceServersAvailable.set({ service: name }, 0)
      metrics.connectionsActive.set({ service: name }, 0)
      metrics.connectFailures.inc({ service: name }, 0) // so the first failure shows in increase()
    }
    for (const service of stats) {
      const monitored = node.config.services?.[service.name]?.monitor !== undefined
      metrics.connectionsActive.set({ service: service.name }, service.active)
      metrics.serviceServers.set({ service: service.name }, service.servers.length)
      metrics.serviceServersAvailable.set({ service: service.name }, service.available)
      for (const server of service.servers) {
        metrics.serverUp.set(
          { service: service.name, server: server.id },
          serverUpValue(server.state, monitored),
        )
      }
    }
    metrics.resolverAddresses.reset()
    metrics.resolverNameOnline.reset()
    metrics.resolverLastSuccess.reset()
    for (const [resolverName, resolver] of node.resolvers.entries()) {
      for (const name of resolver.snapshot().names) {
        metrics.resolverAddresses.set({ name: name.name }, name.addresses.length)
        const labels = { resolver: resolverName, name: name.name }
        metrics.resolverNameOnline.set(labels, name.state === 'online' ? 1 : 0)
        if (name.lastSuccess !== null) metrics.resolverLastSuccess.set(labels, name.lastSuccess / 1000)
      }
    }
  }
}
