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
}

/**
 * Applies one check result to a target's counters (pure).
 * - From `unknown` the first result decides (HAProxy starts a server at the edge of both thresholds the same way).
 * - Otherwise `rise` consecutive successes are needed to go up and `fall` consecutive failures to go down.
 */
export function applyResult(
  counters: Counters,
  ok: boolean,
  target: Pick<ResolvedTarget, 'rise' | 'fall'>,
): Counters {
  if (ok) {
    const successes = counters.successes + 1
    const up = counters.observed === 'unknown' || successes >= target.rise
    return { observed: up ? 'up' : counters.observed, successes, failures: 0 }
  }
  const failures = counters.failures + 1
  const down = counters.observed === 'unknown' || failures >= target.fall
  return { observed: down ? 'down' : counters.observed, successes: 0, failures }
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

/** Delay before the next check: fastInterval while transitioning, downInterval while steadily down. */
export function nextDelay(
  counters: Counters,
  target: Pick<ResolvedTarget, 'interval' | 'fastInterval' | 'downInterval' | 'jitter'>,
  random: () => number,
): number {
  let base = target.interval
  if (isTransitioning(counters)) base = target.fastInterval
  else if (counters.observed === 'down') base = target.downInterval
  const spread = base * target.jitter
  return base + (random() * 2 - 1) * spread
}

/** One line for logs about why a target's state changed. */
export function describeChange(
  now: Counters & { admin: AdminOverride },
  target: Pick<ResolvedTarget, 'rise' | 'fall'>,
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
  return `${now.failures} consecutive failures (fall ${target.fall})${detail}`
}
