/**
 * Observed health of a target, derived from its checks: `'unknown'` until the first conclusive check, then `'up'` or
 * `'down'` by the rise/fall thresholds. The one health vocabulary of gslb-lb: the engine and the forwarder use it too.
 */
export type HealthState = 'unknown' | 'up' | 'down'

/**
 * Administrative override. `force-up`/`force-down` pin the effective state; `drain` means "send no new traffic,
 * let existing connections finish". Checks keep running under every override.
 */
export type AdminOverride = 'force-up' | 'force-down' | 'drain' | null

/**
 * What consumers route on: the observed state unless an admin override says otherwise (`force-up` → `'up'`,
 * `force-down` → `'down'`, `drain` → `'drain'`: no new traffic, connections in progress finish). The one
 * effective-state vocabulary of gslb-lb (the forwarder's server states and the engine's members use it).
 */
export type EffectiveState = HealthState | 'drain'

/** What a target's checks start from (see README "Initial state"). */
export type InitialState = 'unknown' | 'up' | 'down'

/** Outcome of one monitor run, as a monitor reports it. */
export interface MonitorOutcome {
  ok: boolean
  /**
   * Short machine-readable reason: 'refused', 'timeout', 'status', 'mismatch', 'rcode', 'exit', ... In a CheckResult,
   * 'loop-lag' is a timeout explained by this process's own event-loop blocks: it counts neither way.
   */
  code?: string
  /** Human-readable detail: the status line, the rcode, the exit code and stderr tail, ... */
  message?: string
}

export interface TcpMonitor {
  type: 'tcp'
  /** Bytes written after connecting (≤ 4 KiB). */
  send?: string | Uint8Array
  /** Up only if the reply contains this text/bytes or matches this RegExp within `maxBytes`. */
  expect?: string | Uint8Array | RegExp
  /** Bytes read while looking for `expect` (default 4 KiB, at most 64 KiB). */
  maxBytes?: number
}

export interface HttpMonitor {
  type: 'http' | 'https'
  /** Default 'GET'. */
  method?: string
  /** Request path with query, starting with '/'. Default '/'. */
  path?: string
  /** Host header and (https) TLS SNI. Default: the target address (no SNI for an IP). */
  hostname?: string
  /** Status codes that count as up. Default 200–399. */
  expectStatus?: readonly number[]
  /** Up only if the body contains this text or matches this RegExp within `maxBodyBytes`. */
  bodyMatch?: string | RegExp
  /** Body bytes read while looking for `bodyMatch` (default 64 KiB, at most 64 KiB). */
  maxBodyBytes?: number
  /** https: verify the server certificate (default true). */
  verifyTls?: boolean
  /** Extra request headers. */
  headers?: Readonly<Record<string, string>>
}

export interface DicomMonitor {
  type: 'dicom'
  /** Our AE title (default `DEFAULT_HEALTH_CALLING_AE`, 'GSLB_HEALTH': a PACS's log shows the association was a check). */
  callingAE?: string
  /** The peer's AE title (default 'ANY-SCP'). */
  calledAE?: string
}

export type DnsRcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'NOTIMP' | 'FORMERR'

export interface DnsMonitor {
  type: 'dns'
  /** The name to ask the target (a DNS server) for. */
  name: string
  /** Record type asked for: 'A' (default) or 'AAAA'. */
  rrtype?: 'A' | 'AAAA'
  /** Response code that counts as up (default 'NOERROR'). */
  expectRcode?: DnsRcode
  /** Up only if the answer contains this address (NOERROR only). */
  expectAddress?: string
}

export interface ExternalMonitor {
  type: 'external'
  /** Executable to run (no shell). Exit code 0 = up. */
  command: string
  args?: readonly string[]
  /** Extra environment; GSLB_TARGET_ID, GSLB_TARGET_ADDRESS and GSLB_TARGET_PORT are always set. */
  env?: Readonly<Record<string, string>>
  /** stdout and stderr kept per check, each (default 4 KiB). */
  maxOutputBytes?: number
}

/** An embedder's own monitor. It must settle promptly once `signal` aborts (the checker also stops waiting). */
export interface CustomMonitor {
  type: 'custom'
  check(target: Target, signal: AbortSignal): Promise<boolean | MonitorOutcome>
}

export type MonitorSpec =
  | TcpMonitor
  | HttpMonitor
  | DicomMonitor
  | DnsMonitor
  | ExternalMonitor
  | CustomMonitor

/**
 * Something to check. The address and port are what is *checked*; they may differ from what a consumer serves
 * (an engine may serve a VIP and check a real server behind it).
 */
export interface Target {
  /** Unique id chosen by the registering component, e.g. 'pool/member' or 'service/server'. */
  id: string
  address: string
  port: number
  monitor: MonitorSpec
  /** Milliseconds between checks in a steady state (default 2000). */
  intervalMs?: number
  /** Milliseconds a check may take; must be below `intervalMs` (default 1000, at most half a shorter interval). */
  timeoutMs?: number
  /** Consecutive successes needed to go up (default 2). */
  rise?: number
  /** Consecutive failures needed to go down (default 3). */
  fall?: number
  /**
   * Consecutive failures needed to go down when every one of them was a timeout (default `fall` + 1; never fewer
   * than `fall`). A refused or reset connection or a protocol error in the streak makes `fall` apply.
   */
  timeoutFall?: number
  /** Milliseconds between checks while transitioning (a count started but its threshold not reached). */
  fastIntervalMs?: number
  /** Milliseconds between checks while down and steady (default `intervalMs`). */
  downIntervalMs?: number
  /** Fraction (0–0.5) of the interval by which each next check moves at random. */
  jitter?: number
  initialState?: InitialState
  /** Opaque data for the embedder; returned in snapshots, never read. */
  meta?: unknown
}

/** A target after validation, with every default filled in. */
export interface ResolvedTarget extends Target {
  intervalMs: number
  timeoutMs: number
  rise: number
  fall: number
  timeoutFall: number
  fastIntervalMs: number
  downIntervalMs: number
  jitter: number
  initialState: InitialState
}

/** One check, as recorded in history and reported in 'check:result'. */
export interface CheckResult {
  ok: boolean
  code: string
  message: string
  /** Wall-clock time (epoch ms) the check started. */
  startedAt: number
  durationMs: number
  /** How late the check started relative to when it was due (scheduler lag; 0 for checkNow). */
  lagMs: number
  /**
   * Part of `durationMs` during which this process's event loop was blocked (measured to within ~20 ms); it did not
   * count against the timeout. 0 when lag compensation is off.
   */
  loopBlockedMs: number
  /** True when the check was asked for through checkNow(). */
  manual: boolean
}

export interface ChangeReason {
  /** What caused the change: a check result or an admin override. */
  cause: 'check' | 'admin'
  /** One line for logs: "3 consecutive failures (fall 3): connect ECONNREFUSED 127.0.0.1:104". */
  message: string
  /** The message of the last failed check, if the last check failed. */
  lastError: string | null
  successes: number
  failures: number
  /** How long the previous effective state lasted, ms. */
  durationMs: number
  /** The check that caused the change (cause 'check'). */
  check: CheckResult | null
}

export interface TargetChangeEvent {
  id: string
  /** Effective state before the change. */
  previous: EffectiveState
  /** Effective state after the change (same as `effective`). */
  current: EffectiveState
  observed: HealthState
  previousObserved: HealthState
  effective: EffectiveState
  admin: AdminOverride
  reason: ChangeReason
}

export interface CheckResultEvent {
  id: string
  result: CheckResult
  observed: HealthState
  effective: EffectiveState
  successes: number
  failures: number
  /** How many of the consecutive failures were timeouts. */
  timeouts: number
}

/** A handler of one of the checker's events threw (or a non-Error value, wrapped in an Error). */
export interface HandlerErrorEvent {
  /** The event whose handler threw, e.g. `'target:change'`. */
  event: string
  error: Error
}

export interface HealthEvents {
  /** The observed or the effective state of a target changed. */
  'target:change': TargetChangeEvent
  /** A check finished. */
  'check:result': CheckResultEvent
  /**
   * A handler of another event threw; the checker caught it and carried on (the other handlers still ran). Without a
   * `'handler:error'` handler, or when that one throws too, the error goes to `process.emitWarning`.
   */
  'handler:error': HandlerErrorEvent
}

export interface TargetStatus {
  id: string
  target: ResolvedTarget
  observed: HealthState
  effective: EffectiveState
  admin: AdminOverride
  /** Consecutive successes / failures so far. */
  successes: number
  failures: number
  /** How many of the consecutive failures were timeouts. */
  timeouts: number
  /** Epoch ms of the last change of the effective state (or of add()). */
  since: number
  inFlight: boolean
  lastCheck: CheckResult | null
  /** Oldest first. */
  history: CheckResult[]
}

export interface HealthSnapshot {
  running: boolean
  /** Epoch ms the snapshot was taken. */
  at: number
  inFlight: number
  queued: number
  counts: Record<EffectiveState, number>
  targets: TargetStatus[]
}

export type Listener<E extends keyof HealthEvents> = (event: HealthEvents[E]) => void

/** One checker shared by every component that needs health (the CLI gives the same one to engine and forwarder). */
export interface HealthChecker {
  /** Registers a target; scheduled at once when the checker runs. Throws on an invalid or duplicate target. */
  add(target: Target): TargetStatus
  /** Replaces a target's settings (same id). Changing what is checked restarts the counts; the state is kept. */
  update(target: Target): TargetStatus
  /** Unregisters a target and cancels its check in flight. Returns false when the id was unknown. */
  remove(id: string): boolean
  get(id: string): TargetStatus | undefined
  /**
   * Runs a check now (coalesced with one already queued or in flight) and resolves with its result. `signal`
   * ends only this caller's wait (rejects with GSLB_HEALTH_ABORTED); the check itself goes on for the others.
   */
  checkNow(id: string, options?: { signal?: AbortSignal }): Promise<CheckResult>
  /** Sets or clears (null) an admin override. Checks keep running. */
  setAdmin(id: string, override: AdminOverride): TargetStatus
  snapshot(): HealthSnapshot
  /**
   * Starts scheduling checks; resolves once every registered target has its first check scheduled. Idempotent: a
   * second call returns the same promise. Rejects with GSLB_HEALTH_CLOSED after close() or destroy(), and with
   * GSLB_HEALTH_ABORTED when `signal` is already aborted (nothing is started then).
   */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /**
   * Graceful: schedules no new check (queued ones are dropped, checkNow() rejects with GSLB_HEALTH_CLOSED), lets the
   * checks in flight finish — their results still count and are emitted — until `deadlineMs` (default 2000) or
   * `signal` aborts, then aborts the rest and resolves once their sockets, timers and children are gone (bounded by
   * `releaseGraceMs`). Idempotent (same promise); resolves at once on a checker that never ran a check.
   */
  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<void>
  /** Abrupt: aborts every check in flight now and schedules nothing more. Idempotent; `error` becomes the abort's cause. */
  destroy(error?: Error): void
  /** `close()`, for `await using health = createHealthChecker(...)`. */
  [Symbol.asyncDispose](): Promise<void>
  /** True between start() and close()/destroy(). */
  readonly running: boolean
  on<E extends keyof HealthEvents>(event: E, listener: Listener<E>): this
  once<E extends keyof HealthEvents>(event: E, listener: Listener<E>): this
  off<E extends keyof HealthEvents>(event: E, listener: Listener<E>): this
}
