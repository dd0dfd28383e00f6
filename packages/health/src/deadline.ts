import type { Clock, TimerHandle } from './clock.js'
import { LOOP_LAG_TICK_MS, LOOP_LAG_TOLERANCE_MS } from './constants.js'

/**
 * How long this process's event loop was unavailable — blocked by synchronous work, or the process not scheduled by
 * the OS — measured as the summed lateness of a periodic timer that runs only while checks are in flight. A block is
 * counted to within one tick (it may be under-counted by at most LOOP_LAG_TICK_MS, never over-counted).
 */
export class LoopLagMeter {
  private blockedMs = 0
  private users = 0
  private timer: TimerHandle | null = null
  private due = 0

  constructor(private readonly clock: Clock) {}

  /** Starts measuring on behalf of one check. Returns the reading to subtract from later ones. */
  acquire(): number {
    if (this.users++ === 0) this.arm(this.clock.now())
    return this.reading()
  }

  release(): void {
    if (this.users === 0 || --this.users > 0) return
    if (this.timer !== null) this.clock.clearTimer(this.timer)
    this.timer = null
  }

  /** Blocked ms so far, including a block that is only now ending (the tick is overdue but has not run yet). */
  reading(now = this.clock.now()): number {
    return this.blockedMs + (this.timer === null ? 0 : overdue(now - this.due))
  }

  private arm(now: number): void {
    this.due = now + LOOP_LAG_TICK_MS
    this.timer = this.clock.setTimer(this.onTick, LOOP_LAG_TICK_MS)
  }

  private readonly onTick = (): void => {
    const now = this.clock.now()
    this.blockedMs += overdue(now - this.due)
    this.arm(now)
  }
}

function overdue(lateMs: number): number {
  return lateMs > LOOP_LAG_TOLERANCE_MS ? lateMs : 0
}

/** How a check's deadline ended. */
export interface DeadlineExpiry {
  elapsedMs: number
  /** Part of `elapsedMs` during which the event loop was unavailable. */
  blockedMs: number
  /** True when the check did not get its timeout's worth of event-loop time even after the lag credit. */
  lagged: boolean
}

export interface DeadlineOptions {
  clock: Clock
  meter: LoopLagMeter
  timeoutMs: number
  /**
   * Wall-time bound: the deadline never extends past this (timeout + the lag credit). Equal to `timeoutMs` turns
   * lag compensation off: the deadline is then a plain timer, as in @gslb/health ≤ 0.1.
   */
  maxWaitMs: number
  onExpire(expiry: DeadlineExpiry): void
}

/**
 * A check's timeout, counted in event-loop time rather than wall time. When its timer fires, the time the loop was
 * blocked since the check started is credited and the timer re-armed for the rest, up to `maxWaitMs`; a timer that
 * fired late first gives the check one more loop turn, so a reply that has been sitting in a socket buffer while the
 * loop was blocked is read (libuv runs due timers before it polls for I/O) before the check is declared timed out.
 */
export class CheckDeadline {
  private readonly startedMs: number
  private readonly mark: number
  private readonly compensate: boolean
  private timer: TimerHandle | null = null
  private immediate: ReturnType<typeof setImmediate> | null = null
  private due = 0
  private done = false
  /** Wall time and blocked time when the deadline ended, so later readings describe the check, not the process. */
  private endedAt = 0
  private endedBlockedMs = 0

  constructor(private readonly options: DeadlineOptions) {
    this.compensate = options.maxWaitMs > options.timeoutMs
    this.startedMs = options.clock.now()
    this.mark = this.compensate ? options.meter.acquire() : 0
    this.arm(options.timeoutMs)
  }

  /** Event-loop time the check has had (wall time minus the time the loop was blocked), until now or its end. */
  availableMs(): number {
    const now = this.done ? this.endedAt : this.options.clock.now()
    return now - this.startedMs - this.blockedMs()
  }

  /** Time the event loop was blocked since the check started, until now or its end. */
  blockedMs(): number {
    if (this.done) return this.endedBlockedMs
    return this.measureBlocked(this.options.clock.now())
  }

  /** Stops the deadline (the check settled, or the deadline expired). Idempotent. */
  cancel(): void {
    if (this.done) return
    const now = this.options.clock.now()
    this.endedBlockedMs = this.measureBlocked(now)
    this.endedAt = now
    this.done = true
    if (this.timer !== null) this.options.clock.clearTimer(this.timer)
    if (this.immediate !== null) clearImmediate(this.immediate)
    this.timer = null
    this.immediate = null
    if (this.compensate) this.options.meter.release()
  }

  private measureBlocked(now: number): number {
    if (!this.compensate) return 0
    return Math.min(now - this.startedMs, Math.max(0, this.options.meter.reading(now) - this.mark))
  }

  private arm(delayMs: number): void {
    this.due = this.options.clock.now() + delayMs
    this.timer = this.options.clock.setTimer(this.onTimer, delayMs)
  }

  private readonly onTimer = (): void => {
    this.timer = null
    const { clock, timeoutMs, maxWaitMs } = this.options
    const now = clock.now()
    if (!this.compensate) {
      this.expire()
      return
    }
    const elapsed = now - this.startedMs
    const available = elapsed - this.measureBlocked(now)
    if (available < timeoutMs && elapsed < maxWaitMs) {
      // At least 1 ms: a timer armed from inside the timers phase runs after the next I/O poll, never before it.
      this.arm(Math.max(1, Math.min(timeoutMs - available, maxWaitMs - elapsed)))
      return
    }
    if (now - this.due > LOOP_LAG_TOLERANCE_MS) {
      this.immediate = setImmediate(() => {
        this.immediate = null
        this.expire()
      })
      return
    }
    this.expire()
  }

  private expire(): void {
    if (this.done) return
    this.cancel()
    const elapsedMs = this.endedAt - this.startedMs
    this.options.onExpire({ elapsedMs, blockedMs: this.endedBlockedMs, lagged: this.isLagged() })
  }

  /** True when the check ended without having had its timeout's worth of event-loop time. */
  isLagged(): boolean {
    return this.compensate && this.availableMs() < this.options.timeoutMs
  }
}
