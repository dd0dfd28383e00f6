import type { Clock, TimerHandle } from '../../src/clock.js'

interface Timer {
  at: number
  seq: number
  callback: () => void
}

/** Lets promise callbacks (and the checker's reactions to them) run before time moves on. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
  await new Promise((resolve) => setImmediate(resolve))
}

/** A clock whose time moves only when a test says so. Timers fire in order of due time. */
export class ManualClock implements Clock {
  private time = 0
  private seq = 0
  private readonly timers = new Set<Timer>()

  now(): number {
    return this.time
  }

  wallNow(): number {
    return 1_700_000_000_000 + this.time
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { at: this.time + Math.max(0, delayMs), seq: this.seq++, callback }
    this.timers.add(timer)
    return timer
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as Timer)
  }

  get pending(): number {
    return this.timers.size
  }

  /**
   * Moves time forward by `ms` without firing anything, as a blocked event loop does; the next advance() fires the
   * timers that fell due meanwhile, late.
   */
  stall(ms: number): void {
    this.time += ms
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (and flushing after each). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    await flush()
    for (let guard = 0; guard < 100_000; guard++) {
      let next: Timer | undefined
      for (const timer of this.timers) {
        if (
          timer.at <= end &&
          (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        ) {
          next = timer
        }
      }
      if (next === undefined) break
      this.timers.delete(next)
      this.time = Math.max(this.time, next.at)
      next.callback()
      await flush()
    }
    this.time = end
    await flush()
  }
}
