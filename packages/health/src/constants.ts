/** Defaults for targets and the checker. Times are milliseconds. */

/** Time between two checks of a target in a steady state (HAProxy `inter`). */
export const DEFAULT_INTERVAL_MS = 2_000
/** How long one check may take before it counts as failed. Must stay below the interval. */
export const DEFAULT_TIMEOUT_MS = 1_000
/** Consecutive successes needed to go up (HAProxy `rise`). */
export const DEFAULT_RISE = 2
/** Consecutive failures needed to go down (HAProxy `fall`). */
export const DEFAULT_FALL = 3
/** Ceiling for the interval used while a target is transitioning (HAProxy `fastinter`); never above `intervalMs`. */
export const DEFAULT_FAST_INTERVAL_MS = 500
/** Fraction of the interval by which each next check is moved at random (±), to keep checks spread. */
export const DEFAULT_JITTER = 0.1
/** Newly scheduled targets get their first check at a random point within min(interval, this). */
export const DEFAULT_INITIAL_SPREAD_MS = 2_000
/** Results kept per target in its history ring. */
export const DEFAULT_HISTORY_SIZE = 10
/** Checks allowed in flight at once across the whole checker (bounds sockets, fds and children). */
export const DEFAULT_MAX_CONCURRENT = 256
/** How long close() lets checks in flight finish before it aborts them (its `deadlineMs`). */
export const DEFAULT_CLOSE_DEADLINE_MS = 2_000
/** How long close() then waits for aborted checks to release their sockets, timers and child processes. */
export const DEFAULT_RELEASE_GRACE_MS = 2_000
/**
 * A check's deadline may be pushed back by up to this many times its timeout for time this process's event loop was
 * blocked (0 = no compensation: a check times out after `timeoutMs` of wall time).
 */
export const DEFAULT_MAX_LAG_CREDIT = 1
/** Period of the timer whose lateness measures event-loop blocks while checks are in flight. */
export const LOOP_LAG_TICK_MS = 20
/** Timer lateness up to this is ordinary jitter, not a blocked loop. */
export const LOOP_LAG_TOLERANCE_MS = 2
/** Result code of a check that timed out without having had its timeout's worth of event-loop time (not counted). */
export const LOOP_LAG_CODE = 'loop-lag'

export const LIMITS = {
  minIntervalMs: 10,
  maxIntervalMs: 3_600_000,
  minTimeoutMs: 1,
  maxThreshold: 100,
  maxHistorySize: 1_000,
  maxConcurrent: 65_536,
  maxLagCredit: 10,
  maxIdLength: 256,
  maxSendBytes: 4_096,
  maxReadBytes: 65_536,
  maxOutputBytes: 65_536,
  maxPathLength: 8_192,
} as const

/** TCP monitor: bytes read while looking for `expect`, when `maxBytes` is not given. */
export const DEFAULT_TCP_MAX_BYTES = 4_096
/** HTTP monitor: body bytes read while looking for `bodyMatch`, when `maxBodyBytes` is not given. */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 65_536
/** HTTP monitor: status codes that count as up when `expectStatus` is not given (200–399). */
export const DEFAULT_HTTP_STATUS_MIN = 200
export const DEFAULT_HTTP_STATUS_MAX = 399
/**
 * DICOM monitor: our AE title when the monitor does not name one. Not @gslb/dicom's DEFAULT_CALLING_AE ('GSLB-LB'):
 * this one tells a PACS's log (and the CLI) that an association was a health check.
 */
export const DEFAULT_HEALTH_CALLING_AE = 'GSLB_HEALTH'
/** DICOM monitor: the peer's AE title when the monitor does not name one. */
export const DEFAULT_CALLED_AE = 'ANY-SCP'
/**
 * Monitors with timers of their own (echo(), c-ares, undici) set them this far beyond the checker's longest wait, so
 * the checker's lag-aware deadline decides and theirs is only a backstop.
 */
export const BACKSTOP_SLACK_MS = 250
/** DICOM monitor: @gslb/dicom's echo() accepts deadlines up to 10 minutes. */
export const DICOM_MAX_TIMEOUT_MS = 600_000
export const DICOM_DEADLINE_SLACK_MS = BACKSTOP_SLACK_MS
/** External monitor: stdout and stderr kept per check (each). */
export const DEFAULT_EXTERNAL_OUTPUT_BYTES = 4_096
/** External monitor: how long to wait for pipes to close after the process group was killed. */
export const EXTERNAL_KILL_GRACE_MS = 1_000
