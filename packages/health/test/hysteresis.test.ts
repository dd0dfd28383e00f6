import { createHealthChecker, type HealthCheckerOptions, type TargetChangeEvent } from '../src/index.js'
import { applyResult, type Counters, verdictOf } from '../src/state.js'
import { ManualClock } from './support/manual-clock.js'
import { scripted } from './support/scripted.js'

const target = { rise: 2, fall: 2, timeoutFall: 3 }
const up: Counters = { observed: 'up', successes: 5, failures: 0, timeouts: 0 }

function run(start: Counters, verdicts: Parameters<typeof applyResult>[1][]): Counters {
  return verdicts.reduce((counters, verdict) => applyResult(counters, verdict, target), start)
}

describe('applyResult: which failures count towards fall', () => {
  test('refused/reset and protocol errors go down after fall; timeouts alone need timeoutFall', () => {
    expect(run(up, ['failure', 'failure']).observed).toBe('down')
    expect(run(up, ['timeout', 'timeout'])).toMatchObject({ observed: 'up', failures: 2, timeouts: 2 })
    expect(run(up, ['timeout', 'timeout', 'timeout']).observed).toBe('down')
  })

  test('a streak with any real failure in it uses fall', () => {
    expect(run(up, ['timeout', 'failure']).observed).toBe('down')
    expect(run(up, ['failure', 'timeout']).observed).toBe('down')
  })

  test('an inconclusive (loop-lag) result neither counts nor breaks a streak', () => {
    expect(run(up, ['failure', 'inconclusive'])).toMatchObject({ observed: 'up', failures: 1 })
    expect(run(up, ['failure', 'inconclusive', 'failure']).observed).toBe('down')
    const rising: Counters = { observed: 'down', successes: 1, failures: 0, timeouts: 0 }
    expect(run(rising, ['inconclusive'])).toEqual(rising)
    expect(run(rising, ['inconclusive', 'success']).observed).toBe('up')
    const unknown: Counters = { observed: 'unknown', successes: 0, failures: 0, timeouts: 0 }
    expect(run(unknown, ['inconclusive']).observed).toBe('unknown')
    expect(run(unknown, ['timeout']).observed).toBe('down')
  })

  test('a success resets both counts', () => {
    expect(run(up, ['timeout', 'success', 'timeout', 'timeout'])).toMatchObject({
      observed: 'up',
      timeouts: 2,
    })
  })

  test('verdictOf: loop-lag is inconclusive, timeout is a timeout, every other failure code is a failure', () => {
    expect(verdictOf({ ok: true, code: 'ok' })).toBe('success')
    expect(verdictOf({ ok: false, code: 'loop-lag' })).toBe('inconclusive')
    expect(verdictOf({ ok: false, code: 'timeout' })).toBe('timeout')
    for (const code of ['refused', 'reset', 'dicom-associate', 'status', 'rcode', 'stuck']) {
      expect(verdictOf({ ok: false, code })).toBe('failure')
    }
  })
})

function setup(options: HealthCheckerOptions = {}) {
  const clock = new ManualClock()
  const health = createHealthChecker({
    clock,
    random: () => 0,
    defaults: { intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2, fastIntervalMs: 200, jitter: 0 },
    ...options,
  })
  const changes: TargetChangeEvent[] = []
  health.on('target:change', (event) => changes.push(event))
  return { clock, health, changes }
}

describe('checker: hysteresis and a blocked event loop (manual clock)', () => {
  test('a refused target goes down after fall, a silent one after fall + 1 (timeoutFall default)', async () => {
    const { clock, health, changes } = setup()
    const refused = scripted(clock)
    const silent = scripted(clock)
    health.add({ id: 'refused', address: '127.0.0.1', port: 1, monitor: refused.monitor, initialState: 'up' })
    health.add({ id: 'silent', address: '127.0.0.1', port: 2, monitor: silent.monitor, initialState: 'up' })
    expect(health.get('silent')?.target.timeoutFall).toBe(3)
    refused.state.healthy = false
    refused.state.failCode = 'refused'
    silent.state.hang = true
    health.start()
    await clock.advance(0) // both fail once (the silent one at t=500)
    await clock.advance(500)
    await clock.advance(200) // refused: failure 2 → down
    expect(changes.map((c) => [c.id, c.current])).toEqual([['refused', 'down']])
    await clock.advance(700) // silent: timeout 2 at t=1200
    expect(health.get('silent')).toMatchObject({ observed: 'up', failures: 2, timeouts: 2 })
    await clock.advance(700) // timeout 3 at t=1900 → down
    expect(changes.map((c) => [c.id, c.current])).toEqual([
      ['refused', 'down'],
      ['silent', 'down'],
    ])
    expect(changes[1]!.reason.message).toMatch(/^3 consecutive timeouts \(timeoutFall 3\)/)
    await health.close({ deadlineMs: 0 })
  })

  test('the deadline moves back by the time the loop was blocked', async () => {
    const { clock, health } = setup()
    const { state, monitor } = scripted(clock)
    state.hang = true
    health.add({ id: 'a', address: '127.0.0.1', port: 1, monitor })
    const result = health.checkNow('a')
    await clock.advance(0)
    clock.stall(400) // blocked from t=0 to t=400
    await clock.advance(100) // t=500: only 100 ms of loop time so far
    expect(health.get('a')?.inFlight).toBe(true)
    await clock.advance(379) // t=879
    expect(health.get('a')?.inFlight).toBe(true)
    await clock.advance(1)
    // one 20 ms tick of the lag meter: the block is measured as 380 ms
    await expect(result).resolves.toMatchObject({ code: 'timeout', durationMs: 880, loopBlockedMs: 380 })
    await health.close({ deadlineMs: 0 })
  })

  test('a block past timeout × (1 + maxLagCredit) gives loop-lag; it leaves the counts alone', async () => {
    const { clock, health } = setup({ maxLagCredit: 1 })
    const { state, monitor } = scripted(clock)
    health.add({ id: 'a', address: '127.0.0.1', port: 1, monitor, initialState: 'up' })
    state.healthy = false
    await health.checkNow('a')
    expect(health.get('a')).toMatchObject({ observed: 'up', failures: 1 })
    state.hang = true
    const result = health.checkNow('a')
    await clock.advance(0)
    clock.stall(1200)
    await clock.advance(0)
    await expect(result).resolves.toMatchObject({ ok: false, code: 'loop-lag', loopBlockedMs: 1180 })
    expect(health.get('a')).toMatchObject({ observed: 'up', failures: 1, timeouts: 0 })
    await health.close({ deadlineMs: 0 })
  })

  test('maxLagCredit 0: a plain wall-clock timeout, as before', async () => {
    const { clock, health } = setup({ maxLagCredit: 0 })
    const { state, monitor } = scripted(clock)
    state.hang = true
    health.add({ id: 'a', address: '127.0.0.1', port: 1, monitor })
    const result = health.checkNow('a')
    await clock.advance(0)
    clock.stall(400)
    await clock.advance(100)
    await expect(result).resolves.toMatchObject({ code: 'timeout', durationMs: 500, loopBlockedMs: 0 })
    expect(clock.pending).toBe(0) // no lag meter runs
    await health.close({ deadlineMs: 0 })
  })

  test('a check queued behind the concurrency cap gets its whole timeout from when it starts', async () => {
    const { clock, health } = setup({ maxConcurrent: 1, initialSpreadMs: 0 })
    for (const id of ['a', 'b']) {
      const { state, monitor } = scripted(clock)
      state.hang = true
      health.add({ id, address: '127.0.0.1', port: 1, monitor })
    }
    health.start()
    await clock.advance(0)
    await clock.advance(1000)
    expect(health.get('b')?.lastCheck).toMatchObject({ code: 'timeout', lagMs: 500, durationMs: 500 })
    await health.close({ deadlineMs: 0 })
  })

  test('rejects an invalid maxLagCredit and timeoutFall, naming them', () => {
    expect(() => createHealthChecker({ maxLagCredit: -1 })).toThrow(
      expect.objectContaining({ path: 'maxLagCredit' }),
    )
    expect(() => createHealthChecker({ maxLagCredit: 11 })).toThrow(
      /maxLagCredit must be a number from 0 to 10/,
    )
    const health = createHealthChecker()
    expect(() =>
      health.add({ id: 'a', address: '127.0.0.1', port: 1, monitor: { type: 'tcp' }, timeoutFall: 0 }),
    ).toThrow(expect.objectContaining({ path: 'target.timeoutFall' }))
    // never fewer than fall
    expect(
      health.add({
        id: 'b',
        address: '127.0.0.1',
        port: 1,
        monitor: { type: 'tcp' },
        fall: 4,
        timeoutFall: 2,
      }).target.timeoutFall,
    ).toBe(4)
  })
})
