import { type CheckResult, createHealthChecker, type Target } from '../../src/index.js'

/** Runs one check of `target` through a real checker (real clock) and stops it again. */
export async function checkOnce(target: Omit<Target, 'id'> & { id?: string }): Promise<CheckResult> {
  const health = createHealthChecker()
  health.add({ id: 'once', intervalMs: 5_000, timeoutMs: 1_000, ...target })
  try {
    return await health.checkNow(target.id ?? 'once')
  } finally {
    await health.close({ deadlineMs: 0 })
  }
}
