import { Server } from '../src/server.js'

// A server's passive health is its own: the service only tells it what happened and hears whether its state moved.

const policy = { failures: 2, holdMs: 60_000, checked: false }

function server(): Server {
  return new Server('10.0.0.1', 104, null, 1, false)
}

describe('Server passive health', () => {
  test('consecutive failures mark it down once, for the hold; a success in between starts the count again', () => {
    const s = server()
    const holdOver = jest.fn()
    expect(s.recordFailure(policy, holdOver)).toBe(false)
    s.recordSuccess(false)
    expect(s.recordFailure(policy, holdOver)).toBe(false)
    expect(s.recordFailure(policy, holdOver)).toBe(true)
    expect(s.state).toBe('down')
    expect(s.lastResort).toBe(true)
    expect(s.recordFailure(policy, holdOver)).toBe(false) // already down: no second mark-down
    expect(s.failedConnects).toBe(4)
    expect(s.endPassiveHold()).toBe(true)
    expect(s.endPassiveHold()).toBe(false)
    expect(s.state).toBe('unknown')
    expect(holdOver).not.toHaveBeenCalled()
  })

  test('the hold ends by itself after holdMs', () => {
    jest.useFakeTimers()
    try {
      const s = server()
      const holdOver = jest.fn(() => s.endPassiveHold())
      s.recordFailure({ ...policy, failures: 1, holdMs: 1_000 }, holdOver)
      expect(s.state).toBe('down')
      jest.advanceTimersByTime(999)
      expect(holdOver).not.toHaveBeenCalled()
      jest.advanceTimersByTime(1)
      expect(holdOver).toHaveBeenCalledTimes(1)
      expect(s.state).toBe('unknown')
    } finally {
      jest.useRealTimers()
    }
  })

  test('holdMs 0 never marks down; a draining server is never marked down', () => {
    const s = server()
    for (let i = 0; i < 5; i++) expect(s.recordFailure({ ...policy, holdMs: 0 }, () => {})).toBe(false)
    const gone = server()
    gone.drain()
    for (let i = 0; i < 5; i++) expect(gone.recordFailure(policy, () => {})).toBe(false)
    expect(gone.state).toBe('drain')
  })

  test('without checks traffic is the evidence of up; with checks it is not', () => {
    const unchecked = server()
    expect(unchecked.recordSuccess(false)).toBe(true)
    expect(unchecked.state).toBe('up')
    expect(unchecked.recordSuccess(false)).toBe(false)
    const checked = server()
    expect(checked.recordSuccess(true)).toBe(false)
    expect(checked.state).toBe('unknown')
  })

  test('a check lifts a mark-down only when it started after it; an up verdict ends the hold', () => {
    const s = server()
    const before = Date.now() - 1
    s.recordFailure({ ...policy, failures: 1, checked: true }, () => {})
    expect(s.liftedBy(before)).toBe(false)
    expect(s.liftedBy(Date.now())).toBe(true)
    s.applyHealth('up')
    expect(s.passiveDown).toBe(false)
    expect(s.state).toBe('up')
    s.applyHealth('drain')
    expect(s.state).toBe('drain')
    expect(s.eligible).toBe(false)
  })
})
