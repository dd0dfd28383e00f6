import { LOOP_LAG_CODE } from './constants.js'
import type {
  AdminOverride,
  ChangeReason,
  CheckResult,
  EffectiveState,
  HealthState,
  ResolvedTarget,
} from './types.js'

export interface Counters {
  observed: HealthState
  successes: number
  failures: number
  /** How many of the consecutive failures were timeouts. */
  timeouts: number
}

/**
 * What a check result says about the target: a success, a failure the target caused (refused, reset, a protocol
 * error, a rejected C-ECHO...), a timeout, or nothing ('loop-lag': the check timed out without having had its
 * timeout's worth of event-loop time, so the slowness may have been ours).
 */
export type Verdict = 'success' | 'failure' | 'timeout' | 'inconclusive'

export function verdictOf(result: Pick<CheckResult, 'ok' | 'code'>): Verdict {
  if (result.ok) return 'success'
  if (result.code === LOOP_LAG_CODE) return 'inconclusive'
  return result.code === 'timeout' ? 'timeout' : 'failure'
}

/**
 * Applies one check result to a target's counters (pure).
 * - From `unknown` the first conclusive result decides (HAProxy starts a server at the edge of both thresholds the
 *   same way).
 * - Otherwise `rise` consecutive successes are needed to go up and `fall` consecutive failures to go down, or
 *   `timeoutFall` when every failure of the streak was a timeout.
 * - An inconclusive result changes nothing: it neither counts towards `fall` nor breaks a streak.
 */
export function applyResult(
  counters: Counters,
  verdict: Verdict,
  target: Pick<ResolvedTarget, 'rise' | 'fall' | 'timeoutFall'>,
): Counters {
  if (verdict === 'inconclusive') return { ...counters }
  if (verdict === 'success') {
    const successes = counters.successes + 1
    const up = counters.observed === 'unknown' || successes >= target.rise
    return { observed: up ? 'up' : counters.observed, successes, failures: 0, timeouts: 0 }
  }
  const failures = counters.failures + 1
  const timeouts = counters.timeouts + (verdict === 'timeout' ? 1 : 0)
  const threshold = timeouts === failures ? target.timeoutFall : target.fall
  const down = counters.observed === 'unknown' || failures >= threshold
  return { observed: down ? 'down' : counters.observed, successes: 0, failures, timeouts }
}

export function effectiveState(observed: HealthState, admin: AdminOverride): EffectiveState {
  switch (admin) {
    case 'force-up':
      return 'up'
    case 'force-down':
      return 'down'
    case 'drain':
      return 'drain'
    default:
      return observed
  }
}

/** True while a count towards the other state has started but not reached its threshold (or nothing is known). */
export function isTransitioning(counters: Counters): boolean {
  if (counters.observed === 'unknown') return true
  if (counters.observed === 'up') return counters.failures > 0
  return counters.successes > 0
}

/** Delay before the next check: fastIntervalMs while transitioning, downIntervalMs while steadily down. */
export function nextDelay(
  counters: Counters,
  target: Pick<ResolvedTarget, 'intervalMs' | 'fastIntervalMs' | 'downIntervalMs' | 'jitter'>,
  random: () => number,
): number {
  let base = target.intervalMs
  if (isTransitioning(counters)) base = target.fastIntervalMs
  else if (counters.observed === 'down') base = target.downIntervalMs
  const spread = base * target.jitter
  return base + (random() * 2 - 1) * spread
}

/** One line for logs about why a target's state changed. */
export function describeChange(
  now: Counters & { admin: AdminOverride },
  target: Pick<ResolvedTarget, 'rise' | 'fall' | 'timeoutFall'>,
  previousObserved: HealthState,
  cause: ChangeReason['cause'],
  check: CheckResult | null,
): string {
  if (cause === 'admin') {
    return now.admin === null
      ? `admin override cleared (observed ${now.observed})`
      : `admin override ${now.admin}`
  }
  const detail = check?.message ? `: ${check.message}` : ''
  if (previousObserved === 'unknown') return `first check ${check?.ok ? 'succeeded' : 'failed'}${detail}`
  if (now.observed === 'up') return `${now.successes} consecutive successes (rise ${target.rise})${detail}`
  if (now.timeouts === now.failures && now.failures > 0) {
    return `${now.failures} consecutive timeouts (timeoutFall ${target.timeoutFall})${detail}`
  }
  return `${now.failures} consecutive failures (fall ${target.fall})${detail}`
}
