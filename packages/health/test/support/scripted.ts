import type { CustomMonitor, MonitorOutcome } from '../../src/index.js'

/** A custom monitor whose answer a test sets, recording when (clock time) each check started. */
export function scripted(clock: { now(): number }, initial = true) {
  const state = {
    healthy: initial,
    calls: [] as number[],
    /** When set, checks hang until the signal aborts (or forever if ignoreSignal). */
    hang: false,
    ignoreSignal: false,
    message: 'scripted',
    /** Code of a failed check (default 'failed'). */
    failCode: 'failed',
  }
  const monitor: CustomMonitor = {
    type: 'custom',
    check: (_target, signal): Promise<MonitorOutcome> => {
      state.calls.push(clock.now())
      if (state.hang) {
        return new Promise((resolve) => {
          if (state.ignoreSignal) return
          signal.addEventListener('abort', () => resolve({ ok: false, code: 'aborted-by-monitor' }), {
            once: true,
          })
        })
      }
      return Promise.resolve({
        ok: state.healthy,
        code: state.healthy ? 'ok' : state.failCode,
        message: state.message,
      })
    },
  }
  return { state, monitor }
}
