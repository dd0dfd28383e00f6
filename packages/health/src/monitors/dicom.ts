import { echo } from '@gslb/dicom'
import {
  DEFAULT_CALLED_AE,
  DEFAULT_HEALTH_CALLING_AE,
  DICOM_DEADLINE_SLACK_MS,
  DICOM_MAX_TIMEOUT_MS,
} from '../constants.js'
import type { DicomMonitor, MonitorOutcome, ResolvedTarget } from '../types.js'
import { down, fromAbort, fromError, up } from './outcome.js'

/** A DICOM C-ECHO (Verification SOP class) through @gslb/dicom: association, echo, release. */
export async function checkDicom(
  target: ResolvedTarget,
  monitor: DicomMonitor,
  signal: AbortSignal,
  maxWaitMs: number,
): Promise<MonitorOutcome> {
  if (signal.aborted) return fromAbort(signal)
  try {
    const result = await echo({
      host: target.address,
      port: target.port,
      callingAE: monitor.callingAE ?? DEFAULT_HEALTH_CALLING_AE,
      calledAE: monitor.calledAE ?? DEFAULT_CALLED_AE,
      // The checker's signal is the deadline; echo()'s own one is only a backstop, so a timeout reads as 'timeout'.
      timeoutMs: Math.min(maxWaitMs + DICOM_DEADLINE_SLACK_MS, DICOM_MAX_TIMEOUT_MS),
      signal,
    })
    if (signal.aborted) return fromAbort(signal)
    if (result.ok) return up(`C-ECHO ok in ${Math.round(result.rttMs)} ms`)
    // Past the checker's longest wait only echo()'s backstop can have ended it (after a loop block long enough for
    // both timers to be due at once): a timeout, which the checker then weighs against the loop's lag.
    if (result.rttMs >= maxWaitMs) return down('timeout', `${result.stage}: ${result.reason}`)
    return down(`dicom-${result.stage}`, `${result.stage}: ${result.reason}`)
  } catch (error) {
    return fromError(error, signal)
  }
}
