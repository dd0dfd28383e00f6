/** The one way tests wait for something to become true (every package's tests and the root e2e use it). */

export interface WaitOptions {
  /** Give up after this long (default 10 s: generous, since only a failing wait ever takes it). */
  timeoutMs?: number
  /** Between two probes (default 10 ms). */
  intervalMs?: number
  /** What is waited for, as the timeout message says it ("the node is healthy"). */
  what?: string
  /** More to say when it times out (a child process's output, the last status seen). */
  context?: () => string
  /**
   * Retry a probe that throws (a server still starting refuses connections) instead of failing at once; the last
   * error goes into the timeout message. A probe throwing `GiveUp` still ends the wait at once.
   */
  retryErrors?: boolean
}

/** Thrown by a probe to stop waiting at once (the thing waited for can no longer happen). */
export class GiveUp extends Error {}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>

/**
 * Probes `predicate` every `intervalMs` until it returns a truthy value, and returns that value. At `timeoutMs` it
 * throws "timed out after N ms waiting for: <what>" (with the last probe error and `context()`, when there are).
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<Truthy<T>> {
  const {
    timeoutMs = 10_000,
    intervalMs = 10,
    what = 'the condition',
    context,
    retryErrors = false,
  } = options
  const deadline = Date.now() + timeoutMs
  let lastError: string | undefined
  for (;;) {
    try {
      const value = await predicate()
      if (value) return value as Truthy<T>
    } catch (error) {
      if (!retryErrors || error instanceof GiveUp) throw error
      lastError = error instanceof Error ? error.message : String(error)
    }
    if (Date.now() >= deadline) {
      const extra = context?.()
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for: ${what}${lastError ? ` (last error: ${lastError})` : ''}${extra ? `\n${extra}` : ''}`,
      )
    }
    await sleep(intervalMs)
  }
}
