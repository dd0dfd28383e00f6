import {
  createEngine,
  type Engine,
  type EngineConfig,
  type ExplainClient,
  type Explanation,
} from '@gslb/engine'
import type { HealthChecker, Target } from '@gslb/health'
import { formatCidr, parseCidr } from '@gslb/topology'
import type { Config, Endpoint } from '../config/types.js'
import type { Logger } from '../log.js'
import { monitorSpec, thresholdsFor } from './mapping.js'
import { openSoaStateStore, stateDirFor } from './soa-state.js'

/** What the node needs from @gslb/engine: one engine listening on every `gslb.listen` endpoint. */
export interface EngineHandle {
  start(): Promise<void>
  stop(): Promise<void>
  /** Applies the gslb part of a new config atomically; throws (changing nothing) when the engine refuses it. */
  update(config: Config): Promise<void>
  /** Bound endpoints (real ports when 0 was configured). */
  addresses(): Endpoint[]
  /** Health-target ids of a member (one per monitor; none when its pool has no monitor). */
  targetIds(pool: string, member: string): readonly string[]
  /** What answers follow for a member: 'up', 'down', 'unknown' or 'drain'. */
  memberState(pool: string, member: string): string | undefined
  setHealth(pool: string, member: string, state: 'up' | 'down' | 'unknown'): void
  explain(name: string, type: string, client: ExplainClient): Explanation
  readonly engine: Engine
}

/** The engine's config, from the gslb, topology, monitors and health parts of a node config. */
export function engineConfig(config: Config): EngineConfig {
  const gslb = config.gslb
  if (!gslb) return { zones: {} }
  const out: EngineConfig = { zones: {} }
  for (const zone of gslb.zones) {
    out.zones[zone.name] = {
      ns: zone.nameservers.map((ns) =>
        typeof ns === 'string' ? { name: ns } : { name: ns.name, addresses: ns.addresses },
      ),
      ...(zone.soa ? { soa: { ...zone.soa } } : {}),
      ...(zone.ttl !== undefined ? { nsTtl: zone.ttl } : {}),
      ...(zone.records ? { records: zone.records.map((r) => ({ ...r })) } : {}),
    }
  }
  if (gslb.pools) {
    out.pools = {}
    for (const [name, pool] of Object.entries(gslb.pools)) {
      const monitor = pool.monitor === undefined ? undefined : config.monitors?.[pool.monitor]
      const monitors: Omit<Target, 'id' | 'address'>[] = []
      if (monitor) {
        const t = thresholdsFor(config, monitor)
        monitors.push({
          // Validation guarantees one of the two.
          port: pool.port ?? monitor.port ?? 0,
          monitor: monitorSpec(monitor),
          interval: t.interval,
          timeout: t.timeout,
          rise: t.rise,
          fall: t.fall,
        })
      }
      out.pools[name] = {
        members: pool.members.map((m) => ({ ...m })),
        ...(pool.method ? { method: pool.method } : {}),
        ...(pool.maxAnswers !== undefined ? { maxAnswers: pool.maxAnswers } : {}),
        ...(pool.maxAnswersUnknownClient !== undefined
          ? { maxAnswersUnknownClient: pool.maxAnswersUnknownClient }
          : {}),
        ...(pool.allDown !== undefined ? { allDown: pool.allDown } : {}),
        ...(pool.unknownAs !== undefined ? { unknownAs: pool.unknownAs } : {}),
        ...(monitors.length > 0 ? { monitors } : {}),
      }
    }
  }
  if (gslb.names) {
    out.names = {}
    for (const entry of gslb.names)
      out.names[entry.name] = { pool: entry.pool, ...(entry.ttl !== undefined ? { ttl: entry.ttl } : {}) }
  }
  if (config.topology) {
    const datacenters = Object.fromEntries(
      Object.entries(config.topology.datacenters).map(([dc, { cidrs }]) => [dc, cidrs]),
    )
    out.topology = {
      datacenters: withOwnLoopback(datacenters, config.node.site),
      ...(config.topology.preferences ? { preferences: config.topology.preferences } : {}),
    }
    const resolvers = Object.entries(config.topology.datacenters).filter(([, dc]) => dc.resolvers?.length)
    if (resolvers.length > 0) {
      out.topology.resolvers = Object.fromEntries(
        resolvers.map(([dc, { resolvers }]) => [dc, resolvers ?? []]),
      )
    }
  }
  if (gslb.ecs) out.ecs = { ...gslb.ecs }
  return out
}

const LOOPBACK_PREFIXES = ['127.0.0.0/8', '::1/128']

/**
 * This node's own resolver asks its engine over loopback (nameserver 127.0.0.1 or `engine`), so those queries
 * come from this node's site: loopback belongs to `node.site` unless the topology places loopback itself.
 * Without this, a topology pool could not tell which site the DNS-proxy service is in.
 */
export function withOwnLoopback(datacenters: Record<string, string[]>, site: string | undefined) {
  const own = site === undefined ? undefined : datacenters[site]
  if (own === undefined) return datacenters
  const normal = (cidr: string) => {
    try {
      return formatCidr(parseCidr(cidr))
    } catch {
      return cidr
    }
  }
  const listed = new Set(Object.values(datacenters).flat().map(normal))
  const missing = LOOPBACK_PREFIXES.filter((prefix) => !listed.has(normal(prefix)))
  return missing.length === 0 ? datacenters : { ...datacenters, [site as string]: [...own, ...missing] }
}

/**
 * Times one answer in `every` (a counter test per query otherwise): the answer path takes about a microsecond,
 * and reading the clock twice per query would add a tenth of that to every answer.
 */
export function sampleAnswerTime(engine: Engine, observe: (seconds: number) => void, every: number): void {
  const answer = engine.answer.bind(engine)
  let count = 0
  // listen() calls this.answer(), so the instance property is what the sockets use.
  engine.answer = (query, client) => {
    if (++count < every) return answer(query, client)
    count = 0
    const started = process.hrtime.bigint()
    const response = answer(query, client)
    observe(Number(process.hrtime.bigint() - started) / 1e9)
    return response
  }
}

export function createEngineHandle(
  config: Config,
  health: HealthChecker | undefined,
  logger: Logger,
  answerTiming?: { observe: (seconds: number) => void; every: number },
): EngineHandle {
  const soaStore = openSoaStateStore(stateDirFor(config.node.stateDir), logger)
  const engine = createEngine({
    config: engineConfig(config),
    ...(health ? { health } : {}),
    soaState: soaStore.initial,
    logger,
  })
  soaStore.save(engine.soaState())
  engine.on('serial:change', (e) =>
    logger.info({ zone: e.zone, serial: e.serial, previous: e.previous }, 'zone serial changed'),
  )
  if (answerTiming) sampleAnswerTime(engine, answerTiming.observe, answerTiming.every)
  const listeners: { address: string; port: number; close(): Promise<void> }[] = []
  engine.on('member:change', (e) => {
    // A change the health checker made was logged once, as 'health changed'; pushed and admin changes are logged here.
    const log =
      e.source === 'checker'
        ? logger.debug.bind(logger)
        : e.state === 'down'
          ? logger.warn.bind(logger)
          : logger.info.bind(logger)
    log(
      { pool: e.pool, member: e.member, previous: e.previous, state: e.state, source: e.source },
      'member changed',
    )
  })
  const member = (pool: string, name: string) =>
    engine.members().find((m) => m.pool === pool && m.member === name)
  return {
    engine,
    async start() {
      try {
        for (const endpoint of config.gslb?.listen ?? []) {
          listeners.push(await engine.listen({ address: endpoint.address, port: endpoint.port }))
        }
      } catch (error) {
        await Promise.allSettled(listeners.splice(0).map((l) => l.close()))
        await engine.close()
        throw error
      }
    },
    async stop() {
      listeners.length = 0
      await engine.close()
    },
    async update(next) {
      engine.update(engineConfig(next))
      soaStore.save(engine.soaState())
    },
    addresses: () => listeners.map((l) => ({ address: l.address, port: l.port })),
    targetIds: (pool, name) => member(pool, name)?.targets ?? [],
    memberState: (pool, name) => {
      const m = member(pool, name)
      if (!m) return undefined
      return m.drained ? 'drain' : m.effective
    },
    setHealth: (pool, name, state) => engine.setHealth(pool, name, state),
    explain: (name, type, client) => engine.explain(name, type, client),
  }
}
