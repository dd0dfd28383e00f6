import { createEngine, type Engine, type ExplainClient, type Explanation } from '@gslb/engine'
import type { HealthChecker } from '@gslb/health'
import { engineConfig } from '../config/library-options.js'
import type { Config, Endpoint } from '../config/types.js'
import type { Logger } from '../log.js'
import { openSoaStateStore, stateDirFor } from './soa-state.js'

/** What the node needs from @gslb/engine: one engine listening on every `gslb.listen` endpoint. */
export interface EngineHandle {
  start(): Promise<void>
  /** Stops answering: TCP connections answer what they hold until `deadlineMs` (0: at once). */
  close(options?: { deadlineMs?: number }): Promise<void>
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
  // The engine's listeners call this.answer(), so the instance property is what the sockets use.
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
    listen: (config.gslb?.listen ?? []).map(({ address, port }) => ({ address, port })),
    ...(health ? { health } : {}),
    soaState: soaStore.initial,
  })
  soaStore.save(engine.soaState())
  logEngineEvents(engine, logger)
  if (answerTiming) sampleAnswerTime(engine, answerTiming.observe, answerTiming.every)
  const member = (pool: string, name: string) =>
    engine.members().find((m) => m.pool === pool && m.member === name)
  return {
    engine,
    async start() {
      try {
        await engine.start()
      } catch (error) {
        await engine.close({ deadlineMs: 0 })
        throw error
      }
    },
    close: (options) => engine.close(options),
    async update(next) {
      engine.update(engineConfig(next))
      soaStore.save(engine.soaState())
    },
    addresses: () => engine.addresses().map(({ address, port }) => ({ address, port })),
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

/** The CLI logs what the engine reports; each event once. */
function logEngineEvents(engine: Engine, logger: Logger): void {
  engine.on('serial:change', (e) =>
    logger.info({ zone: e.zone, serial: e.serial, previous: e.previous }, 'zone serial changed'),
  )
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
  engine.on('query:error', (e) =>
    logger.error({ err: e.error, client: e.client.address }, 'failed to answer a query (nothing was sent)'),
  )
  engine.on('target:error', (e) =>
    logger.warn({ err: e.error, target: e.target }, `could not ${e.action} a health target`),
  )
  engine.on('monitors:unchecked', (e) =>
    logger.warn({ pools: e.pools }, 'pools have monitors but no health checker: members stay unknown'),
  )
  engine.on('handler:error', (e) =>
    logger.error({ err: e.error, event: e.event }, 'an engine event handler failed'),
  )
}
