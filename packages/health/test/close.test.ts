import {
  type CustomMonitor,
  createHealthChecker,
  type HealthChecker,
  HealthErrorCode,
  type MonitorOutcome,
} from '../src/index.js'
import { flush, ManualClock } from './support/manual-clock.js'
import { scripted } from './support/scripted.js'

const base = { address: '127.0.0.1', port: 9 }

/** A monitor whose one check stays in flight until the test settles it; it records the signal's abort. */
function heldProbe() {
  const probe = {
    signal: undefined as AbortSignal | undefined,
    settle: (_outcome: MonitorOutcome) => {},
  }
  const monitor: CustomMonitor = {
    type: 'custom',
    check: (_target, signal) =>
      new Promise<MonitorOutcome>((resolve) => {
        probe.signal = signal
        probe.settle = resolve
        signal.addEventListener('abort', () => resolve({ ok: false, code: 'aborted' }), { once: true })
      }),
  }
  return { probe, monitor }
}

/** A checker (manual clock: scheduled checks run only when the test says) with one check of `monitor` in flight. */
async function withCheckInFlight(monitor: CustomMonitor) {
  const clock = new ManualClock()
  const health = createHealthChecker({ clock, random: () => 0 })
  const results: string[] = []
  health.on('check:result', (event) => results.push(event.result.code))
  health.add({ ...base, id: 'a', monitor, intervalMs: 1000, timeoutMs: 500 })
  await health.start()
  await clock.advance(0)
  expect(health.snapshot().inFlight).toBe(1)
  return { clock, health, results }
}

let current: HealthChecker | undefined
afterEach(() => {
  current?.destroy()
  current = undefined
})

describe('start()', () => {
  test('is idempotent: a second call returns the same promise', async () => {
    const health = createHealthChecker()
    current = health
    const first = health.start()
    expect(health.start()).toBe(first)
    await expect(first).resolves.toBeUndefined()
    expect(health.running).toBe(true)
  })

  test('schedules every registered target before it resolves', async () => {
    const clock = new ManualClock()
    const health = createHealthChecker({ clock, random: () => 0 })
    current = health
    health.add({ ...base, id: 'a', monitor: scripted(clock).monitor })
    await health.start()
    expect(clock.pending).toBe(1)
  })

  test('with an aborted signal: rejects GSLB_HEALTH_ABORTED and starts nothing (a later start works)', async () => {
    const health = createHealthChecker()
    current = health
    const reason = new Error('shutting down')
    await expect(health.start({ signal: AbortSignal.abort(reason) })).rejects.toMatchObject({
      code: HealthErrorCode.ABORTED,
      cause: reason,
    })
    expect(health.running).toBe(false)
    await health.start()
    expect(health.running).toBe(true)
  })

  test('a signal that is not an AbortSignal is refused naming the option', async () => {
    const health = createHealthChecker()
    await expect(health.start({ signal: {} as AbortSignal })).rejects.toMatchObject({
      code: HealthErrorCode.OPTIONS_INVALID,
      path: 'signal',
    })
  })

  test('after close() or destroy(): rejects GSLB_HEALTH_CLOSED', async () => {
    const closed = createHealthChecker()
    await closed.start()
    await closed.close()
    await expect(closed.start()).rejects.toMatchObject({ code: HealthErrorCode.CLOSED })
    const destroyed = createHealthChecker()
    destroyed.destroy()
    await expect(destroyed.start()).rejects.toMatchObject({ code: HealthErrorCode.CLOSED })
    expect(closed.running || destroyed.running).toBe(false)
  })
})

describe('close()', () => {
  test('on a checker never started resolves, and refuses later work', async () => {
    const health = createHealthChecker()
    health.add({ ...base, id: 'a', monitor: { type: 'tcp' } })
    await expect(health.close()).resolves.toBeUndefined()
    await expect(health.checkNow('a')).rejects.toMatchObject({ code: HealthErrorCode.CLOSED })
  })

  test('is idempotent: a second call returns the same promise; destroy() after it is harmless', async () => {
    const health = createHealthChecker()
    await health.start()
    const first = health.close()
    expect(health.close({ deadlineMs: 0 })).toBe(first)
    await first
    expect(() => health.destroy()).not.toThrow()
    expect(health.close()).toBe(first)
    expect(health.running).toBe(false)
  })

  test('waits for a check in flight, whose result still counts, and schedules no new one', async () => {
    const { probe, monitor } = heldProbe()
    const { clock, health, results } = await withCheckInFlight(monitor)
    let closed = false
    const closing = health.close({ deadlineMs: 60_000 }).then(() => {
      closed = true
    })
    expect(health.running).toBe(false)
    await flush()
    expect(closed).toBe(false)
    probe.settle({ ok: true })
    await closing
    expect(results).toEqual(['ok'])
    expect(health.get('a')?.observed).toBe('up')
    expect(clock.pending).toBe(0) // no next check scheduled (only the check's own timers were armed)
    expect(probe.signal?.aborted).toBe(false)
  })

  test('aborts a check still in flight at deadlineMs (GSLB_HEALTH_ABORTED); it is no result', async () => {
    const { probe, monitor } = heldProbe()
    const { health, results } = await withCheckInFlight(monitor)
    const started = performance.now()
    await health.close({ deadlineMs: 100 })
    // Timers never fire early (a loaded machine only makes them later), so this lower bound cannot flake.
    expect(performance.now() - started).toBeGreaterThanOrEqual(99)
    expect(probe.signal?.aborted).toBe(true)
    expect(probe.signal?.reason).toMatchObject({ code: HealthErrorCode.ABORTED })
    expect(results).toEqual([])
    expect(health.snapshot().inFlight).toBe(0)
  })

  test('its signal ends the wait: checks in flight are aborted at once', async () => {
    const { probe, monitor } = heldProbe()
    const { health, results } = await withCheckInFlight(monitor)
    const controller = new AbortController()
    const closing = health.close({ deadlineMs: 60_000, signal: controller.signal })
    await flush()
    expect(probe.signal?.aborted).toBe(false)
    controller.abort()
    await closing
    expect(probe.signal?.aborted).toBe(true)
    expect(results).toEqual([])
  })

  test('a bad deadlineMs is refused naming the option, and does not close', async () => {
    const health = createHealthChecker()
    current = health
    await expect(health.close({ deadlineMs: -1 })).rejects.toMatchObject({
      code: HealthErrorCode.OPTIONS_INVALID,
      path: 'deadlineMs',
    })
    await health.start()
    expect(health.running).toBe(true)
  })
})

describe('destroy()', () => {
  test('aborts checks in flight at once, with the error as the reason’s cause; a pending close() then resolves', async () => {
    const { probe, monitor } = heldProbe()
    const { health, results } = await withCheckInFlight(monitor)
    const closing = health.close({ deadlineMs: 60_000 })
    const error = new Error('node shutting down')
    health.destroy(error)
    health.destroy() // idempotent
    expect(probe.signal?.aborted).toBe(true)
    expect(probe.signal?.reason).toMatchObject({ code: HealthErrorCode.ABORTED, cause: error })
    await closing
    expect(results).toEqual([])
    expect(health.running).toBe(false)
  })

  test('resolves the waiters of a queued checkNow() with an aborted result', async () => {
    const clock = new ManualClock()
    const health = createHealthChecker({ clock, maxConcurrent: 1 })
    const { monitor } = heldProbe()
    health.add({ ...base, id: 'a', monitor })
    health.add({ ...base, id: 'b', monitor: scripted(clock).monitor })
    void health.checkNow('a')
    const queued = health.checkNow('b')
    health.destroy()
    await expect(queued).resolves.toMatchObject({ ok: false, code: 'aborted' })
  })
})

test('[Symbol.asyncDispose]() closes the checker (await using)', async () => {
  const { probe, monitor } = heldProbe()
  const { health, results } = await withCheckInFlight(monitor)
  const disposing = health[Symbol.asyncDispose]()
  expect(health.running).toBe(false)
  probe.settle({ ok: true })
  await disposing
  expect(results).toEqual(['ok'])
  await expect(health.start()).rejects.toMatchObject({ code: HealthErrorCode.CLOSED })
})
