import { createEngine, type Engine, type ExplainClient, type Explanation } from '@gslb/engine'
import type { HealthChecker } from '@gslb/health'
import { engineConfig } from '../config/library-options.js'
import type { Config, Endpoint } from '../config/types.js'
import type { Logger } from '../log.js'
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
