/** Opaque handle returned by Clock.setTimer. */
export type TimerHandle = unknown

/**
 * Time source and timers used by the checker; injectable so tests can drive time by hand.
 * `now()` is monotonic (scheduling); `wallNow()` is epoch ms (reported timestamps).
 */
export interface Clock {
  now(): number
  wallNow(): number
  setTimer(callback: () => void, delayMs: number): TimerHandle
  clearTimer(handle: TimerHandle): void
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
