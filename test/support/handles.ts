/**
 * Snapshot of the live libuv resources that tests care about. Compare before/after a component's
 * lifecycle to prove stop() leaves no socket, timer or child process behind.
 *
 * Take the snapshot in the same kind of place as the comparison: in beforeAll for a check in afterAll, or both
 * inside one test. While a jest hook or test runs, jest's own timeout timer is live (one `Timeout`); a snapshot
 * taken at describe-time does not see it, and the comparison then reports a leak that is jest's.
 */
const WATCHED = new Set([
  'TCPWrap',
  'TCPServerWrap',
  'UDPWrap',
  'Timeout',
  'ProcessWrap',
  'PipeWrap',
  'TTYWrap',
])

export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) {
    if (!WATCHED.has(name)) continue
    counts[name] = (counts[name] ?? 0) + 1
  }
  return counts
}

/** Waits (bounded) until no more resources are live than in `before`; returns what is still extra. */
export async function leakedSince(
  before: Record<string, number>,
  waitMs = 500,
): Promise<Record<string, number>> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const now = activeResources()
    const extra: Record<string, number> = {}
    for (const [name, count] of Object.entries(now)) {
      const diff = count - (before[name] ?? 0)
      if (diff > 0) extra[name] = diff
    }
    if (Object.keys(extra).length === 0 || Date.now() >= deadline) return extra
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setTimeout(resolve, 10).unref())
  }
}

/**
 * Registers the before/after pair every component test wants: a snapshot in beforeAll and, in afterAll, the
 * assertion that nothing the tests opened is still live (waiting up to `waitMs` for sockets to finish closing).
 */
export function expectNoLeaks(waitMs = 2_000): void {
  let before: Record<string, number> = {}
  beforeAll(() => {
    before = activeResources()
  })
  afterAll(async () => {
    expect(await leakedSince(before, waitMs)).toEqual({})
  })
}
