import {
  createHealthChecker,
  type HandlerErrorEvent,
  type HealthChecker,
  HealthErrorCode,
  type TargetChangeEvent,
} from '../src/index.js'
import { flush, ManualClock } from './support/manual-clock.js'
import { scripted } from './support/scripted.js'

const base = { address: '127.0.0.1', port: 9 }

function setup(options: Parameters<typeof createHealthChecker>[0] = {}) {
  const clock = new ManualClock()
  const health = createHealthChecker({
    clock,
    random: () => 0,
    defaults: { intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3, fastIntervalMs: 200, jitter: 0 },
    ...options,
  })
  const changes: TargetChangeEvent[] = []
  health.on('target:change', (event) => changes.push(event))
  return { clock, health, changes }
}

let current: HealthChecker | undefined
afterEach(async () => {
  await current?.close({ deadlineMs: 0 })
  current = undefined
})

describe('state machine', () => {
  test('from unknown the first result decides, then rise/fall thresholds apply', async () => {
    const { clock, health, changes } = setup()
    current = health
    const { state, monitor } = scripted(clock)
    health.add({ ...base, id: 'a', monitor })
    expect(health.get('a')?.observed).toBe('unknown')
    health.start()
    await clock.advance(0)
    expect(changes).toHaveLength(1)
    expect(changes[0]).toMatchObject({
      id: 'a',
      previous: 'unknown',
      current: 'up',
      observed: 'up',
      effective: 'up',
    })
    expect(changes[0]!.reason).toMatchObject({ cause: 'check', successes: 1, failures: 0, lastError: null })
    expect(changes[0]!.reason.message).toMatch(/first check succeeded/)

    state.healthy = false
    state.message = 'connect ECONNREFUSED'
    await clock.advance(1000) // failure 1 at t=1000
    await clock.advance(200) // failure 2 at fastInterval
    expect(health.get('a')).toMatchObject({ observed: 'up', failures: 2 })
    await clock.advance(200) // failure 3: down
    expect(state.calls).toEqual([0, 1000, 1200, 1400])
    expect(changes).toHaveLength(2)
    expect(changes[1]).toMatchObject({
      previous: 'up',
      current: 'down',
      observed: 'down',
      previousObserved: 'up',
    })
    expect(changes[1]!.reason).toMatchObject({
      failures: 3,
      lastError: 'connect ECONNREFUSED',
      durationMs: 1400,
    })
    expect(changes[1]!.reason.message).toBe('3 consecutive failures (fall 3): connect ECONNREFUSED')

    state.healthy = true
    await clock.advance(1000) // success 1 (steady down uses downInterval = interval)
    expect(health.get('a')).toMatchObject({ observed: 'down', successes: 1 })
    await clock.advance(200) // success 2: up
    expect(changes[2]).toMatchObject({ previous: 'down', current: 'up' })
    expect(changes[2]!.reason.message).toMatch(/^2 consecutive successes \(rise 2\)/)
    expect(state.calls).toEqual([0, 1000, 1200, 1400, 2400, 2600])
  })

  test('a failure from unknown goes down at once; a success in between resets the failure count', async () => {
    const { clock, health, changes } = setup()
    current = health
    const { state, monitor } = scripted(clock, false)
    health.add({ ...base, id: 'a', monitor })
    health.start()
    await clock.advance(0)
    expect(changes[0]).toMatchObject({ previous: 'unknown', current: 'down' })
    state.healthy = true
    await clock.advance(1000)
    state.healthy = false
    await clock.advance(200)
    state.healthy = true
    await clock.advance(1000)
    expect(health.get('a')).toMatchObject({ observed: 'down', successes: 1 })
  })

  test("initialState 'up' needs fall failures and 'down' needs rise successes", async () => {
    const { clock, health, changes } = setup()
    current = health
    const up = scripted(clock, false)
    const down = scripted(clock, true)
    health.add({ ...base, id: 'up', monitor: up.monitor, initialState: 'up' })
    health.add({ ...base, id: 'down', monitor: down.monitor, initialState: 'down', rise: 3 })
    expect(health.get('up')?.effective).toBe('up')
    health.start()
    await clock.advance(0)
    await clock.advance(200)
    expect(changes).toHaveLength(0)
    await clock.advance(200)
    expect(changes.map((c) => [c.id, c.current])).toEqual([
      ['up', 'down'],
      ['down', 'up'],
    ])
  })

  test('downInterval spaces checks while steadily down, jitter moves them within ±jitter', async () => {
    const { clock, health } = setup({ random: () => 1 - Number.EPSILON, initialSpreadMs: 0 })
    current = health
    const { state, monitor } = scripted(clock, false)
    health.add({ ...base, id: 'a', monitor, downIntervalMs: 5000, jitter: 0.2 })
    health.start()
    await clock.advance(0)
    await clock.advance(7000)
    expect(state.calls).toHaveLength(2)
    expect(state.calls[1]).toBeCloseTo(6000, 0) // 5000 + 20 %
  })

  test('a check that ignores its signal fails with code timeout after the timeout', async () => {
    const { clock, health } = setup({ releaseGraceMs: 50 })
    current = health
    const { state, monitor } = scripted(clock)
    state.hang = true
    state.ignoreSignal = true
    health.add({ ...base, id: 'a', monitor, timeoutMs: 300 })
    const results: string[] = []
    health.on('check:result', (event) => results.push(`${event.result.code}@${event.result.durationMs}`))
    health.start()
    await clock.advance(299)
    expect(results).toEqual([])
    await clock.advance(1)
    expect(results).toEqual(['timeout@300'])
    expect(health.get('a')).toMatchObject({ observed: 'down', lastCheck: { ok: false, code: 'timeout' } })
  })

  test('a monitor that ignores its signal is not called again until its run settles (code stuck)', async () => {
    const { clock, health } = setup({ releaseGraceMs: 50 })
    current = health
    let release: (value: boolean) => void = () => {}
    const calls: number[] = []
    health.add({
      ...base,
      id: 'a',
      monitor: {
        type: 'custom',
        check: () => {
          calls.push(clock.now())
          return new Promise<boolean>((resolve) => {
            release = resolve
          })
        },
      },
    })
    health.start()
    await clock.advance(500) // the first run times out but never settles
    await clock.advance(500) // the next check (t=1000) does not call the monitor again
    expect(calls).toEqual([0])
    expect(health.get('a')!.history.map((r) => r.code)).toEqual(['timeout', 'stuck'])
    release(true)
    await clock.advance(1000)
    expect(calls).toEqual([0, 2000])
    release(true)
    await clock.advance(0)
    expect(health.get('a')!.lastCheck).toMatchObject({ ok: true, code: 'ok' })
  })
})

describe('admin overrides', () => {
  test('force-down, drain and force-up change the effective state; checks go on and observed is reported', async () => {
    const { clock, health, changes } = setup()
    current = health
    const { state, monitor } = scripted(clock)
    health.add({ ...base, id: 'a', monitor })
    health.start()
    await clock.advance(0)
    expect(health.setAdmin('a', 'force-down')).toMatchObject({
      observed: 'up',
      effective: 'down',
      admin: 'force-down',
    })
    expect(changes.at(-1)).toMatchObject({
      previous: 'up',
      current: 'down',
      observed: 'up',
      reason: { cause: 'admin' },
    })
    health.setAdmin('a', 'drain')
    expect(changes.at(-1)).toMatchObject({ previous: 'down', current: 'drain', effective: 'drain' })
    await clock.advance(1000)
    expect(state.calls).toHaveLength(2)

    health.setAdmin('a', 'force-up')
    state.healthy = false
    await clock.advance(1000)
    await clock.advance(200)
    await clock.advance(200)
    expect(health.get('a')).toMatchObject({ observed: 'down', effective: 'up' })
    // observed moved while the effective state stayed: still reported
    expect(changes.at(-1)).toMatchObject({
      previous: 'up',
      current: 'up',
      previousObserved: 'up',
      observed: 'down',
    })
    health.setAdmin('a', null)
    expect(changes.at(-1)).toMatchObject({ previous: 'up', current: 'down', admin: null })
    expect(changes.at(-1)!.reason.message).toBe('admin override cleared (observed down)')
  })

  test('rejects an unknown override value and an unknown id', () => {
    const { health } = setup()
    health.add({ ...base, id: 'a', monitor: { type: 'tcp' } })
    expect(() => health.setAdmin('a', 'maint' as never)).toThrow(
      expect.objectContaining({ path: 'override' }),
    )
    expect(() => health.setAdmin('b', null)).toThrow(
      expect.objectContaining({ code: HealthErrorCode.UNKNOWN_TARGET }),
    )
  })
})

describe('checkNow', () => {
  test('coalesces with a check in flight', async () => {
    const { clock, health } = setup()
    current = health
    const { state, monitor } = scripted(clock)
    state.hang = true
    health.add({ ...base, id: 'a', monitor })
    const first = health.checkNow('a')
    const second = health.checkNow('a')
    await flush()
    expect(state.calls).toHaveLength(1)
    expect(health.get('a')?.inFlight).toBe(true)
    await clock.advance(500)
    const [a, b] = await Promise.all([first, second])
    expect(a).toBe(b)
    expect(a).toMatchObject({ ok: false, code: 'timeout', manual: true })
  })

  test('a failing checkNow moves an up target down in (fall − 1) × fastInterval, still honouring fall', async () => {
    const { clock, health, changes } = setup({
      defaults: { intervalMs: 10_000, timeoutMs: 500, fall: 3, fastIntervalMs: 200, jitter: 0 },
    })
    current = health
    const { state, monitor } = scripted(clock)
    health.add({ ...base, id: 'a', monitor })
    health.start()
    await clock.advance(0)
    await clock.advance(3000)
    state.healthy = false
    const result = await health.checkNow('a')
    expect(result).toMatchObject({ ok: false, manual: true, lagMs: 0 })
    expect(health.get('a')).toMatchObject({ observed: 'up', failures: 1 })
    await clock.advance(200)
    expect(health.get('a')?.observed).toBe('up')
    await clock.advance(200)
    expect(health.get('a')?.observed).toBe('down')
    expect(changes.at(-1)).toMatchObject({ previous: 'up', current: 'down' })
    expect(state.calls).toEqual([0, 3000, 3200, 3400])
  })

  test('an already-aborted signal rejects at once and starts no check; a later abort ends only that wait', async () => {
    const { clock, health } = setup()
    current = health
    const { state, monitor } = scripted(clock)
    state.hang = true
    health.add({ ...base, id: 'a', monitor })
    const reason = new Error('caller gave up')
    await expect(health.checkNow('a', { signal: AbortSignal.abort(reason) })).rejects.toMatchObject({
      code: HealthErrorCode.ABORTED,
      cause: reason,
    })
    await flush()
    expect(state.calls).toHaveLength(0)
    await expect(health.checkNow('a', { signal: {} as AbortSignal })).rejects.toMatchObject({
      code: HealthErrorCode.OPTIONS_INVALID,
      path: 'signal',
    })
    const controller = new AbortController()
    const impatient = health.checkNow('a', { signal: controller.signal })
    const patient = health.checkNow('a')
    await flush()
    controller.abort()
    await expect(impatient).rejects.toMatchObject({ code: HealthErrorCode.ABORTED })
    await clock.advance(500)
    await expect(patient).resolves.toMatchObject({ ok: false, code: 'timeout', manual: true })
    expect(state.calls).toHaveLength(1)
  })

  test('works while the checker is stopped and rejects an unknown id', async () => {
    const { clock, health } = setup()
    const { monitor } = scripted(clock)
    health.add({ ...base, id: 'a', monitor })
    await expect(health.checkNow('a')).resolves.toMatchObject({ ok: true })
    expect(clock.pending).toBe(0)
    await expect(health.checkNow('nope')).rejects.toMatchObject({ code: HealthErrorCode.UNKNOWN_TARGET })
  })
})

describe('scheduler', () => {
  test('caps checks in flight and serves queued targets in due order without starving any', async () => {
    const { clock, health } = setup({ maxConcurrent: 2 })
    current = health
    const monitors = Array.from({ length: 5 }, () => scripted(clock))
    for (const m of monitors) m.state.hang = true
    monitors.forEach((m, i) => {
      health.add({ ...base, id: `t${i}`, monitor: m.monitor })
    })
    let peak = 0
    health.on('check:result', () => {
      peak = Math.max(peak, health.snapshot().inFlight)
    })
    health.start()
    await clock.advance(0)
    expect(health.snapshot()).toMatchObject({ inFlight: 2, queued: 3 })
    await clock.advance(500) // the two time out, the next two start
    expect(health.snapshot()).toMatchObject({ inFlight: 2, queued: 1 })
    await clock.advance(500)
    await clock.advance(500)
    expect(monitors.map((m) => m.state.calls.length >= 1)).toEqual([true, true, true, true, true])
    expect(peak).toBeLessThanOrEqual(2)
    const lags = health.snapshot().targets.map((t) => t.history[0]!.lagMs)
    expect(lags).toEqual([0, 0, 500, 500, 1000])
  })

  test('keeps one timer armed however many targets there are', async () => {
    const { clock, health } = setup()
    current = health
    for (let i = 0; i < 50; i++) health.add({ ...base, id: `t${i}`, monitor: scripted(clock).monitor })
    health.start()
    expect(clock.pending).toBe(1)
    await clock.advance(0)
    expect(clock.pending).toBe(1)
    expect(health.snapshot().counts).toEqual({ unknown: 0, up: 50, down: 0, drain: 0 })
  })

  test('500 targets with jitter over 20 s of manual time: every target checked on schedule, none starved', async () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0
      return seed / 2 ** 32
    }
    const { clock, health } = setup({ random, defaults: { intervalMs: 1000, timeoutMs: 500, jitter: 0.1 } })
    current = health
    const calls = new Map<string, number[]>()
    for (let i = 0; i < 500; i++) {
      const id = `t${i}`
      calls.set(id, [])
      health.add({
        ...base,
        id,
        monitor: {
          type: 'custom',
          check: async () => {
            calls.get(id)!.push(clock.now())
            return true
          },
        },
      })
    }
    const lags: number[] = []
    health.on('check:result', (event) => lags.push(event.result.lagMs))
    health.start()
    await clock.advance(20_000)
    for (const times of calls.values()) {
      expect(times.length).toBeGreaterThanOrEqual(19)
      expect(times.length).toBeLessThanOrEqual(23)
      for (let i = 2; i < times.length; i++) {
        const gap = times[i]! - times[i - 1]!
        expect(gap).toBeGreaterThanOrEqual(900)
        expect(gap).toBeLessThanOrEqual(1100)
      }
    }
    expect(Math.max(...lags)).toBe(0)
    expect(clock.pending).toBe(1)
  })

  test('history keeps the last N results, oldest first', async () => {
    const { clock, health } = setup({ historySize: 3 })
    current = health
    const { state, monitor } = scripted(clock)
    health.add({ ...base, id: 'a', monitor })
    health.start()
    for (let i = 0; i < 5; i++) {
      state.message = `check ${i}`
      await clock.advance(i === 0 ? 0 : 1000)
    }
    expect(health.get('a')!.history.map((r) => r.message)).toEqual(['check 2', 'check 3', 'check 4'])
    expect(health.get('a')!.lastCheck?.message).toBe('check 4')
  })
})

describe('add, update, remove', () => {
  test('remove cancels the check in flight and emits nothing more', async () => {
    const { clock, health, changes } = setup()
    current = health
    const { state, monitor } = scripted(clock)
    state.hang = true
    health.add({ ...base, id: 'a', monitor })
    health.start()
    await clock.advance(0)
    const pending = health.checkNow('a')
    expect(health.remove('a')).toBe(true)
    expect(health.remove('a')).toBe(false)
    await expect(pending).resolves.toMatchObject({ code: 'aborted' })
    await clock.advance(5000)
    expect(changes).toHaveLength(0)
    expect(health.get('a')).toBeUndefined()
    expect(clock.pending).toBe(0)
  })

  test('update of what is checked restarts the counts but keeps the state; timing-only updates keep counts', async () => {
    const { clock, health } = setup()
    current = health
    const first = scripted(clock)
    health.add({ ...base, id: 'a', monitor: first.monitor })
    health.start()
    await clock.advance(0)
    first.state.healthy = false
    await clock.advance(1000)
    expect(health.get('a')).toMatchObject({ observed: 'up', failures: 1 })
    health.update({ ...base, id: 'a', monitor: first.monitor, fall: 5 })
    expect(health.get('a')).toMatchObject({ observed: 'up', failures: 1 })
    const second = scripted(clock, false)
    health.update({ ...base, id: 'a', monitor: second.monitor, port: 10 })
    expect(health.get('a')).toMatchObject({ observed: 'up', failures: 0 })
    await clock.advance(0)
    expect(second.state.calls).toHaveLength(1)
    expect(() => health.update({ ...base, id: 'zz', monitor: second.monitor })).toThrow(
      expect.objectContaining({ code: HealthErrorCode.UNKNOWN_TARGET }),
    )
  })

  test('a listener may remove the target from inside check:result; it is not scheduled again', async () => {
    const { clock, health } = setup()
    current = health
    const { state, monitor } = scripted(clock)
    health.add({ ...base, id: 'a', monitor })
    health.on('check:result', (event) => health.remove(event.id))
    health.start()
    await clock.advance(0)
    expect(clock.pending).toBe(0) // no timer armed for it
    await clock.advance(5000)
    expect(state.calls).toEqual([0])
    expect(clock.pending).toBe(0)
  })

  test('a duplicate id is refused', () => {
    const { health } = setup()
    health.add({ ...base, id: 'a', monitor: { type: 'tcp' } })
    expect(() => health.add({ ...base, id: 'a', monitor: { type: 'tcp' } })).toThrow(
      expect.objectContaining({ code: HealthErrorCode.DUPLICATE_TARGET, path: 'target.id' }),
    )
  })
})

describe('lifecycle and events', () => {
  test('close() cancels checks in flight at its deadline and disarms the timer; start() after it is refused', async () => {
    const { clock, health } = setup()
    const { state, monitor } = scripted(clock)
    state.hang = true
    health.add({ ...base, id: 'a', monitor })
    health.start()
    await clock.advance(0)
    expect(health.snapshot().inFlight).toBe(1)
    await health.close({ deadlineMs: 0 })
    expect(health.running).toBe(false)
    expect(health.snapshot().inFlight).toBe(0)
    expect(clock.pending).toBe(0)
    expect(health.get('a')?.history).toEqual([]) // a cancelled check is not a result
    await expect(health.start()).rejects.toMatchObject({ code: HealthErrorCode.CLOSED })
    expect(health.running).toBe(false)
    expect(clock.pending).toBe(0)
  })

  test('aborting the signal closes the checker', async () => {
    const controller = new AbortController()
    const { clock, health } = setup({ signal: controller.signal })
    health.add({ ...base, id: 'a', monitor: scripted(clock).monitor })
    health.start()
    controller.abort()
    await flush()
    expect(health.running).toBe(false)
    expect(clock.pending).toBe(0)
    await expect(health.start()).rejects.toMatchObject({ code: HealthErrorCode.CLOSED })
    expect(health.running).toBe(false)
  })

  test("a throwing handler is re-emitted as 'handler:error' with its event and error, and checks go on", async () => {
    const { clock, health } = setup()
    current = health
    const bug = new Error('handler bug')
    const reported: HandlerErrorEvent[] = []
    const later: string[] = []
    health.on('check:result', () => {
      throw bug
    })
    health.on('check:result', (event) => later.push(event.id))
    health.on('handler:error', (event) => reported.push(event))
    const { state, monitor } = scripted(clock)
    health.add({ ...base, id: 'a', monitor })
    health.start()
    await clock.advance(0)
    await clock.advance(1000)
    expect(state.calls).toHaveLength(2)
    expect(reported).toEqual([
      { event: 'check:result', error: bug },
      { event: 'check:result', error: bug },
    ])
    expect(later).toEqual(['a', 'a']) // the handlers after the throwing one still ran
  })

  test('a thrown non-Error value reaches handler:error as an Error that names it', async () => {
    const { clock, health } = setup()
    current = health
    const reported: HandlerErrorEvent[] = []
    health.on('target:change', () => {
      throw 'not an error' // a consumer's bug: a string thrown
    })
    health.on('handler:error', (event) => reported.push(event))
    health.add({ ...base, id: 'a', monitor: scripted(clock).monitor })
    health.start()
    await clock.advance(0)
    expect(reported).toHaveLength(1)
    expect(reported[0]!.event).toBe('target:change')
    expect(reported[0]!.error).toBeInstanceOf(Error)
    expect(reported[0]!.error.message).toBe(`a 'target:change' handler threw "not an error"`)
  })
})
