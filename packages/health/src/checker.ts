import { EventEmitter } from 'node:events'
import { reportHandlerError } from '@gslb/dicom'
import type { Clock, TimerHandle } from './clock.js'
import { LOOP_LAG_CODE } from './constants.js'
import { CheckDeadline, type DeadlineExpiry, LoopLagMeter } from './deadline.js'
import { Deque } from './deque.js'
import { HealthError, HealthErrorCode } from './errors.js'
import { DueHeap, type HeapItem } from './heap.js'
import { runMonitor } from './monitors/index.js'
import { fromAbort, onAbort } from './monitors/outcome.js'
import {
  type HealthCheckerOptions,
  optionSignal,
  type ResolvedCheckerOptions,
  resolveCheckerOptions,
  resolveCloseOptions,
} from './options.js'
import { Ring } from './ring.js'
import { applyResult, type Counters, describeChange, effectiveState, nextDelay, verdictOf } from './state.js'
import type {
  AdminOverride,
  ChangeReason,
  CheckResult,
  EffectiveState,
  HealthChecker,
  HealthEvents,
  HealthSnapshot,
  HealthState,
  Listener,
  MonitorOutcome,
  ResolvedTarget,
  Target,
  TargetStatus,
} from './types.js'
import { checkKey, resolveTarget } from './validate.js'

interface Waiter {
  resolve(result: CheckResult): void
}

interface Entry extends HeapItem, Counters {
  target: ResolvedTarget
  admin: AdminOverride
  effective: EffectiveState
  /** Monotonic and wall time of the last change of the effective state. */
  sinceMono: number
  sinceWall: number
  history: Ring<CheckResult>
  /** Bumped whenever results of checks already started must be ignored (update of what is checked, remove). */
  generation: number
  removed: boolean
  /** Set while a monitor run has not settled, even after its check was given up on (a signal it ignored). */
  unsettled: boolean
  /** Set while a check is queued or in flight. */
  job: Job | null
}

interface Job {
  entry: Entry
  due: number
  manual: boolean
  generation: number
  waiters: Waiter[]
  controller: AbortController | null
}

/**
 * idle: made, not started (checkNow() works, nothing is scheduled); running: scheduling; closing: close() waits for
 * the checks in flight; closed: nothing runs any more.
 */
type Phase = 'idle' | 'running' | 'closing' | 'closed'

// Typed through the HealthChecker interface (on/once/off with HealthEvents): @types/node's EventEmitter<T> accepts
// any event name in on() and its listener type does not match the interface's for a generic event.
class Checker extends EventEmitter implements HealthChecker {
  private readonly entries = new Map<string, Entry>()
  private readonly heap = new DueHeap<Entry>()
  private readonly queue = new Deque<Job>()
  private readonly active = new Set<Job>()
  private readonly draining = new Set<Promise<unknown>>()
  private readonly options: ResolvedCheckerOptions
  private readonly clock: Clock
  private readonly meter: LoopLagMeter
  private timer: TimerHandle | null = null
  private timerDue = Number.POSITIVE_INFINITY
  private phase: Phase = 'idle'
  private started: Promise<void> | null = null
  private closed: Promise<void> | null = null
  /** Called each time the last check in flight settles (close() waits for that). */
  private readonly idleWaiters = new Set<() => void>()

  constructor(options: ResolvedCheckerOptions) {
    super()
    this.options = options
    this.clock = options.clock
    this.meter = new LoopLagMeter(options.clock)
    if (options.signal) onAbort(options.signal, () => void this.close({ deadlineMs: 0 }))
  }

  get running(): boolean {
    return this.phase === 'running'
  }

  add(input: Target): TargetStatus {
    const target = resolveTarget(input, this.options.defaults)
    if (this.entries.has(target.id)) {
      throw new HealthError(HealthErrorCode.DUPLICATE_TARGET, `target '${target.id}' is already registered`, {
        path: 'target.id',
      })
    }
    const observed: HealthState = target.initialState
    const entry: Entry = {
      target,
      observed,
      successes: 0,
      failures: 0,
      timeouts: 0,
      admin: null,
      effective: observed,
      sinceMono: this.clock.now(),
      sinceWall: this.clock.wallNow(),
      history: new Ring<CheckResult>(this.options.historySize),
      generation: 0,
      removed: false,
      unsettled: false,
      job: null,
      due: 0,
      heapIndex: -1,
      heapSeq: 0,
    }
    this.entries.set(target.id, entry)
    if (this.running) this.scheduleFirst(entry)
    return this.status(entry)
  }

  update(input: Target): TargetStatus {
    const target = resolveTarget(input, this.options.defaults)
    const entry = this.mustGet(target.id, 'update')
    const checkChanged = checkKey(entry.target) !== checkKey(target)
    entry.target = target
    if (checkChanged) {
      entry.generation++
      entry.successes = 0
      entry.failures = 0
      entry.timeouts = 0
      entry.job?.controller?.abort(aborted(`target '${target.id}' was updated`))
    }
    if (this.running && (checkChanged || this.heap.has(entry))) {
      this.heap.remove(entry)
      if (entry.job === null || checkChanged) this.scheduleFirst(entry)
    }
    return this.status(entry)
  }

  remove(id: string): boolean {
    const entry = this.entries.get(id)
    if (entry === undefined) return false
    this.entries.delete(id)
    entry.removed = true
    entry.generation++
    this.heap.remove(entry)
    entry.job?.controller?.abort(aborted(`target '${id}' was removed`))
    this.arm()
    return true
  }

  get(id: string): TargetStatus | undefined {
    const entry = this.entries.get(id)
    return entry === undefined ? undefined : this.status(entry)
  }

  checkNow(id: string, options: { signal?: AbortSignal } = {}): Promise<CheckResult> {
    if (this.phase === 'closing' || this.phase === 'closed') return Promise.reject(closedError('checkNow'))
    let entry: Entry
    let signal: AbortSignal | undefined
    try {
      entry = this.mustGet(id, 'checkNow')
      signal = optionSignal(options?.signal)
    } catch (error) {
      return Promise.reject(error)
    }
    if (signal?.aborted) return Promise.reject(callerAborted(id, signal))
    const shared = this.enqueueNow(entry)
    if (signal === undefined) return shared
    return new Promise((resolve, reject) => {
      const drop = onAbort(signal, () => reject(callerAborted(id, signal)))
      void shared.then(resolve).finally(drop)
    })
  }

  private enqueueNow(entry: Entry): Promise<CheckResult> {
    return new Promise((resolve) => {
      if (entry.job !== null) {
        entry.job.waiters.push({ resolve })
        return
      }
      this.heap.remove(entry)
      const job: Job = {
        entry,
        due: this.clock.now(),
        manual: true,
        generation: entry.generation,
        waiters: [{ resolve }],
        controller: null,
      }
      entry.job = job
      this.queue.unshift(job)
      this.pump()
    })
  }

  setAdmin(id: string, override: AdminOverride): TargetStatus {
    if (override !== null && override !== 'force-up' && override !== 'force-down' && override !== 'drain') {
      throw new HealthError(
        HealthErrorCode.INVALID_TARGET,
        `invalid admin override for '${id}': must be 'force-up', 'force-down', 'drain' or null`,
        { path: 'override' },
      )
    }
    const entry = this.mustGet(id, 'setAdmin')
    const previousEffective = entry.effective
    entry.admin = override
    this.settle(entry, entry.observed, previousEffective, 'admin', null)
    return this.status(entry)
  }

  snapshot(): HealthSnapshot {
    const counts: Record<EffectiveState, number> = { unknown: 0, up: 0, down: 0, drain: 0 }
    const targets: TargetStatus[] = []
    for (const entry of this.entries.values()) {
      counts[entry.effective]++
      targets.push(this.status(entry))
    }
    return {
      running: this.running,
      at: this.clock.wallNow(),
      inFlight: this.active.size,
      queued: this.queue.size,
      counts,
      targets,
    }
  }

  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.phase === 'closing' || this.phase === 'closed' || this.options.signal?.aborted) {
      return Promise.reject(closedError('start'))
    }
    if (this.started !== null) return this.started
    let signal: AbortSignal | undefined
    try {
      signal = optionSignal(options?.signal)
    } catch (error) {
      return Promise.reject(error)
    }
    if (signal?.aborted) {
      return Promise.reject(
        new HealthError(HealthErrorCode.ABORTED, 'start() aborted by its signal', { cause: signal.reason }),
      )
    }
    this.phase = 'running'
    for (const entry of this.entries.values()) {
      if (entry.job === null && !this.heap.has(entry)) this.scheduleFirst(entry)
    }
    this.arm()
    this.started = Promise.resolve()
    return this.started
  }

  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<void> {
    if (this.closed !== null) return this.closed
    let settings: ReturnType<typeof resolveCloseOptions>
    try {
      settings = resolveCloseOptions(options)
    } catch (error) {
      return Promise.reject(error)
    }
    if (this.phase !== 'closed') this.phase = 'closing'
    this.stopScheduling(aborted('the health checker closed before this check ran'))
    this.closed = this.finishClose(settings.deadlineMs, settings.signal)
    return this.closed
  }

  destroy(error?: Error): void {
    if (this.phase === 'closed') return
    this.phase = 'closed'
    const reason = new HealthError(
      HealthErrorCode.ABORTED,
      `the health checker was destroyed${error instanceof Error ? `: ${error.message}` : ''}`,
      { cause: error },
    )
    this.stopScheduling(reason)
    for (const job of this.active) job.controller?.abort(reason)
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  private async finishClose(deadlineMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.active.size > 0 && deadlineMs > 0 && !signal?.aborted) {
      await this.checksSettled(deadlineMs, signal)
    }
    this.phase = 'closed'
    const reason = aborted(`the health checker closed: check still in flight after ${deadlineMs} ms`)
    for (const job of this.active) job.controller?.abort(reason)
    await this.drain()
  }

  /** Resolves once no check is in flight, `deadlineMs` has passed, or `signal` aborted — whichever comes first. */
  private checksSettled(deadlineMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      let dropAbort = () => {}
      const done = () => {
        clearTimeout(timer)
        dropAbort()
        this.idleWaiters.delete(done)
        resolve()
      }
      // Wall-clock (not the injected clock), like the release grace: it bounds how long the caller waits.
      const timer = setTimeout(done, deadlineMs)
      if (signal !== undefined) dropAbort = onAbort(signal, done)
      this.idleWaiters.add(done)
    })
  }

  /** No more scheduled or queued checks (waiters of queued ones get an aborted result); checks in flight go on. */
  private stopScheduling(reason: HealthError): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer)
    this.timer = null
    this.timerDue = Number.POSITIVE_INFINITY
    this.heap.clear()
    for (const job of this.queue.removeWhere(() => true)) {
      job.entry.job = null
      this.resolveWaiters(job, this.abortedResult(job, reason))
    }
  }

  private async drain(): Promise<void> {
    if (this.draining.size === 0) return
    // Wall-clock grace (not the injected clock): it bounds real resources, e.g. a custom monitor ignoring its signal.
    let timer: ReturnType<typeof setTimeout> | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.releaseGraceMs)
    })
    await Promise.race([Promise.allSettled([...this.draining]), grace])
    clearTimeout(timer)
  }

  private mustGet(id: string, operation: string): Entry {
    const entry = this.entries.get(id)
    if (entry === undefined) {
      throw new HealthError(HealthErrorCode.UNKNOWN_TARGET, `${operation}: no target with id '${id}'`, {
        path: 'id',
      })
    }
    return entry
  }

  private scheduleFirst(entry: Entry): void {
    const spread = Math.min(entry.target.intervalMs, this.options.initialSpreadMs)
    this.schedule(entry, this.clock.now() + this.options.random() * spread)
  }

  private schedule(entry: Entry, due: number): void {
    entry.due = due
    this.heap.push(entry)
    this.arm()
  }

  /** Keeps exactly one timer armed for the earliest due target. */
  private arm(): void {
    if (!this.running) return
    const next = this.heap.peek()
    if (next === undefined) {
      if (this.timer !== null) this.clock.clearTimer(this.timer)
      this.timer = null
      this.timerDue = Number.POSITIVE_INFINITY
      return
    }
    if (this.timer !== null && this.timerDue <= next.due) return
    if (this.timer !== null) this.clock.clearTimer(this.timer)
    this.timerDue = next.due
    this.timer = this.clock.setTimer(() => this.onTimer(), next.due - this.clock.now())
  }

  private onTimer(): void {
    this.timer = null
    this.timerDue = Number.POSITIVE_INFINITY
    const now = this.clock.now()
    for (let next = this.heap.peek(); next !== undefined && next.due <= now; next = this.heap.peek()) {
      this.heap.pop()
      const job: Job = {
        entry: next,
        due: next.due,
        manual: false,
        generation: next.generation,
        waiters: [],
        controller: null,
      }
      next.job = job
      this.queue.push(job)
    }
    this.pump()
    this.arm()
  }

  /** Starts queued checks while there is room under the concurrency cap. */
  private pump(): void {
    while (this.active.size < this.options.maxConcurrent) {
      const job = this.queue.shift()
      if (job === undefined) return
      if (job.entry.removed || job.generation !== job.entry.generation) {
        if (job.entry.job === job) job.entry.job = null
        this.resolveWaiters(
          job,
          this.abortedResult(job, aborted(`target '${job.entry.target.id}' changed before its check ran`)),
        )
        continue
      }
      this.run(job)
    }
  }

  private run(job: Job): void {
    const { entry } = job
    const target = entry.target
    const controller = new AbortController()
    job.controller = controller
    this.active.add(job)
    const startedMono = this.clock.now()
    const startedAt = this.clock.wallNow()
    const maxWaitMs = Math.round(target.timeoutMs * (1 + this.options.maxLagCredit))
    const deadline = new CheckDeadline({
      clock: this.clock,
      meter: this.meter,
      timeoutMs: target.timeoutMs,
      maxWaitMs,
      onExpire: (expiry) =>
        controller.abort(new HealthError(HealthErrorCode.TIMEOUT, timeoutMessage(target, expiry))),
    })
    // A monitor that ignored its signal gets no second call until its first settles: one stuck run per target at
    // most, instead of a new leaked socket or promise every interval.
    const monitorRun = entry.unsettled
      ? Promise.resolve(STUCK)
      : runMonitor(target, controller.signal, maxWaitMs)
    if (!entry.unsettled) {
      entry.unsettled = true
      const settled = () => {
        entry.unsettled = false
        this.draining.delete(tracked)
      }
      const tracked: Promise<void> = monitorRun.then(settled, settled)
      this.draining.add(tracked)
    }
    let dropAbort = () => {}
    // A custom monitor that ignores its signal must not hold the target: stop waiting once the signal aborts.
    const abortedRun = new Promise<MonitorOutcome>((resolve) => {
      dropAbort = onAbort(controller.signal, () => resolve(fromAbort(controller.signal)))
    })
    void Promise.race([monitorRun, abortedRun]).then((outcome) => {
      dropAbort()
      deadline.cancel()
      this.active.delete(job)
      let code = outcome.code ?? (outcome.ok ? 'ok' : 'failed')
      // A timeout, whoever noticed it (the deadline, or a monitor's own backstop), counts only if the check had its
      // timeout's worth of event-loop time.
      if (code === 'timeout' && deadline.isLagged()) code = LOOP_LAG_CODE
      const result: CheckResult = {
        ok: outcome.ok,
        code,
        message: outcome.message ?? '',
        startedAt,
        durationMs: this.clock.now() - startedMono,
        lagMs: Math.max(0, startedMono - job.due),
        loopBlockedMs: Math.round(deadline.blockedMs()),
        manual: job.manual,
      }
      if (entry.job === job) entry.job = null
      const cancelled = controller.signal.aborted && outcome.code === 'aborted'
      if (!cancelled && !entry.removed && job.generation === entry.generation) {
        this.record(entry, result)
        // A handler may have removed, updated or rescheduled the target, or closed the checker.
        if (this.running && !entry.removed && !this.heap.has(entry) && entry.job === null) {
          const delay = nextDelay(entry, entry.target, this.options.random)
          this.schedule(entry, Math.max(startedMono + delay, this.clock.now()))
        }
      } else if (this.running && !entry.removed && entry.job === null && !this.heap.has(entry)) {
        this.scheduleFirst(entry)
      }
      this.resolveWaiters(job, result)
      this.pump()
      if (this.active.size === 0 && this.idleWaiters.size > 0)
        for (const done of [...this.idleWaiters]) done()
    })
  }

  private record(entry: Entry, result: CheckResult): void {
    entry.history.push(result)
    const previousObserved = entry.observed
    const previousEffective = entry.effective
    const next = applyResult(entry, verdictOf(result), entry.target)
    entry.successes = next.successes
    entry.failures = next.failures
    entry.timeouts = next.timeouts
    entry.observed = next.observed
    this.emitSafe('check:result', {
      id: entry.target.id,
      result,
      observed: entry.observed,
      effective: effectiveState(entry.observed, entry.admin),
      successes: entry.successes,
      failures: entry.failures,
      timeouts: entry.timeouts,
    })
    if (entry.removed) return
    this.settle(entry, previousObserved, previousEffective, 'check', result)
  }

  /** Recomputes the effective state and emits 'target:change' when the observed or effective state moved. */
  private settle(
    entry: Entry,
    previousObserved: HealthState,
    previousEffective: EffectiveState,
    cause: ChangeReason['cause'],
    check: CheckResult | null,
  ): void {
    entry.effective = effectiveState(entry.observed, entry.admin)
    if (entry.observed === previousObserved && entry.effective === previousEffective) return
    const now = this.clock.now()
    const durationMs = now - entry.sinceMono
    if (entry.effective !== previousEffective) {
      entry.sinceMono = now
      entry.sinceWall = this.clock.wallNow()
    }
    const lastError = check !== null && !check.ok ? check.message || check.code : null
    this.emitSafe('target:change', {
      id: entry.target.id,
      previous: previousEffective,
      current: entry.effective,
      observed: entry.observed,
      previousObserved,
      effective: entry.effective,
      admin: entry.admin,
      reason: {
        cause,
        message: describeChange(entry, entry.target, previousObserved, cause, check),
        lastError,
        successes: entry.successes,
        failures: entry.failures,
        durationMs,
        check,
      },
    })
  }

  private resolveWaiters(job: Job, result: CheckResult): void {
    const waiters = job.waiters
    job.waiters = []
    for (const waiter of waiters) waiter.resolve(result)
  }

  private abortedResult(job: Job, reason: HealthError): CheckResult {
    return {
      ok: false,
      code: 'aborted',
      message: reason.message,
      startedAt: this.clock.wallNow(),
      durationMs: 0,
      lagMs: 0,
      loopBlockedMs: 0,
      manual: job.manual,
    }
  }

  /** Calls every handler even when one throws (a check's bookkeeping must not stop halfway). */
  private emitSafe<E extends keyof HealthEvents>(event: E, payload: HealthEvents[E]): void {
    for (const listener of this.rawListeners(event)) {
      try {
        ;(listener as Listener<E>).call(this, payload)
      } catch (thrown) {
        this.handlerThrew(event, thrown)
      }
    }
  }

  /**
   * docs/decisions/0017: re-emitted as 'handler:error'; with nobody to take it, or when that handler throws too, a
   * process warning for each error (@gslb/dicom's, shared by the libraries), never lost.
   */
  private handlerThrew(event: keyof HealthEvents, thrown: unknown): void {
    const error =
      thrown instanceof Error ? thrown : new Error(`a '${event}' handler threw ${describe(thrown)}`)
    reportHandlerError(this, event, error)
  }

  private status(entry: Entry): TargetStatus {
    return {
      id: entry.target.id,
      target: entry.target,
      observed: entry.observed,
      effective: entry.effective,
      admin: entry.admin,
      successes: entry.successes,
      failures: entry.failures,
      timeouts: entry.timeouts,
      since: entry.sinceWall,
      inFlight: entry.job?.controller != null,
      lastCheck: entry.history.last() ?? null,
      history: entry.history.toArray(),
    }
  }
}

const STUCK: MonitorOutcome = {
  ok: false,
  code: 'stuck',
  message: 'the previous check of this target has not finished yet although it was aborted',
}

function timeoutMessage(target: ResolvedTarget, expiry: DeadlineExpiry): string {
  const elapsed = Math.round(expiry.elapsedMs)
  const blocked = Math.round(expiry.blockedMs)
  if (expiry.lagged) {
    return `no result in ${elapsed} ms, but this process's event loop was blocked for ${blocked} ms of them (less than the ${target.timeoutMs} ms timeout left for the check): not counted`
  }
  if (blocked === 0) return `no result within ${target.timeoutMs} ms`
  return `no result within ${target.timeoutMs} ms of event-loop time (${elapsed} ms, the loop was blocked for ${blocked} ms)`
}

function closedError(operation: string): HealthError {
  return new HealthError(HealthErrorCode.CLOSED, `${operation}(): the health checker is closed`)
}

/** A thrown non-Error value, as text (its own toString may throw). */
function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

function callerAborted(id: string, signal: AbortSignal): HealthError {
  return new HealthError(HealthErrorCode.ABORTED, `checkNow('${id}') aborted by its signal`, {
    cause: signal.reason,
  })
}

function aborted(message: string): HealthError {
  return new HealthError(HealthErrorCode.ABORTED, message)
}

/**
 * Creates a health checker. Targets can be added before or after start(); close() (or `await using`) ends it.
 */
export function createHealthChecker(options: HealthCheckerOptions = {}): HealthChecker {
  return new Checker(resolveCheckerOptions(options))
}
