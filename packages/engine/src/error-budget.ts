import type { ErrorBudget } from './respond.js'

/**
 * A token bucket for UDP error answers: `perSecond` refill, at most `burst` saved up. Bounded state (two numbers),
 * O(1) per call, and the clock is read only when an error answer is about to be sent.
 */
export class TokenBucket implements ErrorBudget {
  private tokens: number
  private last: number

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst
    this.last = now()
  }

  take(): boolean {
    const now = this.now()
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000)
      this.last = now
    }
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
