import type { MonitorOutcome, ResolvedTarget } from '../types.js'
import { checkDicom } from './dicom.js'
import { checkDns } from './dns.js'
import { checkExternal } from './external.js'
import { checkHttp } from './http.js'
import { down, fromError, up } from './outcome.js'
import { checkTcp } from './tcp.js'

/**
 * Runs the target's monitor once. Never rejects: every failure becomes a failed outcome. `signal` is the deadline;
 * `maxWaitMs` is the longest it can take to abort (the timeout plus the event-loop lag credit), so monitors with
 * timers of their own set them beyond it, as backstops that never decide before the checker does.
 */
export async function runMonitor(
  target: ResolvedTarget,
  signal: AbortSignal,
  maxWaitMs: number,
): Promise<MonitorOutcome> {
  const monitor = target.monitor
  try {
    switch (monitor.type) {
      case 'tcp':
        return await checkTcp(target, monitor, signal)
      case 'http':
      case 'https':
        return await checkHttp(target, monitor, signal, maxWaitMs)
      case 'dicom':
        return await checkDicom(target, monitor, signal, maxWaitMs)
      case 'dns':
        return await checkDns(target, monitor, signal, maxWaitMs)
      case 'external':
        return await checkExternal(target, monitor, signal)
      case 'custom': {
        const result = await monitor.check(target, signal)
        if (typeof result === 'boolean') return result ? up() : down('failed', 'custom check returned false')
        return {
          ok: result.ok === true,
          code: result.code ?? (result.ok ? 'ok' : 'failed'),
          message: result.message ?? '',
        }
      }
    }
  } catch (error) {
    return fromError(error, signal)
  }
}
