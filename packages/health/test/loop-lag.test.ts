import { createVerificationServer } from '@gslb/dicom'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import {
  type CheckResult,
  createHealthChecker,
  type HealthCheckerOptions,
  type Target,
} from '../src/index.js'
import { tcpServer } from './support/servers.js'

// Regression for issue 11 ("checks flap under load"): a check's timeout counted this process's own event-loop
// blocks, so a healthy target whose answer sat in a socket buffer during a block was reported as timed out (libuv
// runs due timers before it polls for I/O).

const address = '127.0.0.1'
const TIMEOUT_MS = 200

/** Keeps the event loop busy, as a long synchronous job elsewhere in the process does. */
function blockEventLoop(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // busy
  }
}

async function checkWhileBlocked(
  target: Omit<Target, 'id' | 'address'>,
  blockMs: number,
  options: HealthCheckerOptions = {},
): Promise<CheckResult> {
  const health = createHealthChecker(options)
  health.add({ id: 't', address, intervalMs: 10_000, timeoutMs: TIMEOUT_MS, ...target })
  try {
    // Deterministic order: start in the check phase, so the next thing libuv does after the block is run due timers
    // (the deadline) and only then poll for I/O. net.connect() issues the connect on the next tick: block after it.
    await new Promise((resolve) => setImmediate(resolve))
    const result = health.checkNow('t')
    process.nextTick(blockEventLoop, blockMs)
    return await result
  } finally {
    await health.close({ deadlineMs: 0 })
  }
}

describe('regression: a check does not time out because this process blocked its own event loop', () => {
  let before: Record<string, number>
  beforeEach(() => {
    before = activeResources()
  })
  afterEach(async () => {
    expect(await leakedSince(before)).toEqual({})
  })

  test('tcp: a connect that completed during a block longer than the timeout is up', async () => {
    const server = await tcpServer(() => {})
    try {
      const result = await checkWhileBlocked(
        { port: server.port, monitor: { type: 'tcp' } },
        1.5 * TIMEOUT_MS,
      )
      expect(result).toMatchObject({ ok: true, code: 'ok' })
      // the block is measured to within one 20 ms tick
      expect(result.loopBlockedMs).toBeGreaterThanOrEqual(1.5 * TIMEOUT_MS - 25)
    } finally {
      await server.close()
    }
  })

  test('tcp: without lag compensation (maxLagCredit 0, the old behaviour) the same block is a timeout', async () => {
    const server = await tcpServer(() => {})
    try {
      const result = await checkWhileBlocked(
        { port: server.port, monitor: { type: 'tcp' } },
        1.5 * TIMEOUT_MS,
        {
          maxLagCredit: 0,
        },
      )
      expect(result).toMatchObject({ ok: false, code: 'timeout', loopBlockedMs: 0 })
    } finally {
      await server.close()
    }
  })

  test('tcp send/expect: a reply that sat in the socket buffer while the loop was blocked is read', async () => {
    // The server answers, then the loop blocks (in the check phase, like any setImmediate job) past the timeoutMs: the
    // answer is in our socket buffer when the overdue deadline timer runs, before the next I/O poll.
    const server = await tcpServer((socket) => {
      socket.once('data', () => {
        socket.write('+PONG\r\n')
        setImmediate(() => blockEventLoop(1.5 * TIMEOUT_MS))
      })
    })
    const health = createHealthChecker()
    health.add({
      id: 't',
      address,
      port: server.port,
      intervalMs: 10_000,
      timeoutMs: TIMEOUT_MS,
      monitor: { type: 'tcp', send: 'PING\r\n', expect: '+PONG' },
    })
    try {
      const result = await health.checkNow('t')
      expect(result).toMatchObject({ ok: true, code: 'ok' })
      expect(result.loopBlockedMs).toBeGreaterThan(TIMEOUT_MS)
    } finally {
      await health.close({ deadlineMs: 0 })
      await server.close()
    }
  })

  test('dicom: a C-ECHO whose association was answered during a block is up', async () => {
    const scp = createVerificationServer({ aeTitle: 'PACS_A', port: 0, host: address, acceptCalledAE: false })
    await scp.start()
    const { port } = scp.address()!
    try {
      const target = { port, monitor: { type: 'dicom' as const, calledAE: 'PACS_A' } }
      const result = await checkWhileBlocked(target, 1.5 * TIMEOUT_MS)
      expect(result).toMatchObject({ ok: true, code: 'ok' })
      const old = await checkWhileBlocked(target, 1.5 * TIMEOUT_MS, { maxLagCredit: 0 })
      expect(old).toMatchObject({ ok: false, code: 'timeout' })
    } finally {
      await scp.close()
    }
  })

  test('a target that never answers still times out once it had its timeout of loop time', async () => {
    const server = await tcpServer(() => {}) // accepts, never answers
    try {
      const result = await checkWhileBlocked(
        { port: server.port, monitor: { type: 'tcp', expect: 'never sent' } },
        TIMEOUT_MS / 2,
        { maxLagCredit: 5 },
      )
      expect(result).toMatchObject({ ok: false, code: 'timeout' })
      expect(result.loopBlockedMs).toBeGreaterThanOrEqual(TIMEOUT_MS / 2 - 25)
      // the deadline moved back by the block: the check had its whole timeout of loop time
      expect(result.durationMs - result.loopBlockedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 1)
      expect(result.message).toMatch(/of event-loop time .*the loop was blocked for \d+ ms/)
    } finally {
      await server.close()
    }
  })

  test('a block longer than timeout × (1 + maxLagCredit) ends the check as loop-lag, which counts neither way', async () => {
    const server = await tcpServer(() => {})
    try {
      const health = createHealthChecker({ maxLagCredit: 1 })
      health.add({
        id: 't',
        address,
        port: server.port,
        intervalMs: 10_000,
        timeoutMs: TIMEOUT_MS,
        initialState: 'up',
        monitor: { type: 'tcp', expect: 'never sent' },
      })
      try {
        const pending = health.checkNow('t')
        blockEventLoop(3 * TIMEOUT_MS)
        const result = await pending
        expect(result).toMatchObject({ ok: false, code: 'loop-lag' })
        expect(result.message).toMatch(/event loop was blocked .* not counted/)
        expect(health.get('t')).toMatchObject({ observed: 'up', failures: 0, timeouts: 0 })
      } finally {
        await health.close({ deadlineMs: 0 })
      }
    } finally {
      await server.close()
    }
  })
})
