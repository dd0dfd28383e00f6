import { HealthErrorCode } from '../errors.js'
import type { MonitorOutcome } from '../types.js'

export function up(message = 'ok'): MonitorOutcome {
  return { ok: true, code: 'ok', message }
}

export function down(code: string, message: string): MonitorOutcome {
  return { ok: false, code, message }
}

/** Maps a thrown error to a failed outcome; an abort reports the signal's reason (timeout vs. stop). */
export function fromError(error: unknown, signal: AbortSignal): MonitorOutcome {
  if (signal.aborted) return fromAbort(signal)
  const err = error as NodeJS.ErrnoException
  const code = typeof err?.code === 'string' ? err.code : 'error'
  const message = err instanceof Error ? err.message : String(error)
  switch (code) {
    case 'ECONNREFUSED':
      return down('refused', message)
    case 'ECONNRESET':
    case 'EPIPE':
      return down('reset', message)
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return down('unreachable', message)
    // Timers of the monitor's own (backstops): still a timeout, which the checker weighs against the loop's lag.
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return down('timeout', message)
    default:
      return down(
        code.toLowerCase().startsWith('err_tls') || code.includes('CERT') ? 'tls' : 'error',
        message,
      )
  }
}

export function fromAbort(signal: AbortSignal): MonitorOutcome {
  const reason = signal.reason as { code?: string; message?: string } | undefined
  if (reason?.code === HealthErrorCode.TIMEOUT) return down('timeout', reason.message ?? 'timed out')
  return down('aborted', reason?.message ?? 'aborted')
}

/** Resolves when `signal` aborts; never rejects. Returns a function that drops the listener. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) {
    queueMicrotask(callback)
    return () => {}
  }
  signal.addEventListener('abort', callback, { once: true })
  return () => signal.removeEventListener('abort', callback)
}

export function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address
}
