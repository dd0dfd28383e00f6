import { execFileSync } from 'node:child_process'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { checkOnce } from './support/once.js'

const address = '127.0.0.1'

function alive(pattern: string): boolean {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim() !== ''
  } catch {
    return false
  }
}

describe('external monitor', () => {
  let before: Record<string, number>
  beforeEach(() => {
    before = activeResources()
  })
  afterEach(async () => {
    expect(await leakedSince(before)).toEqual({})
  })

  test('exit 0 is up and the target is in the environment', async () => {
    const result = await checkOnce({
      id: 'pool/member-1',
      address,
      port: 104,
      monitor: {
        type: 'external',
        command: 'sh',
        args: ['-c', 'echo "$GSLB_TARGET_ID $GSLB_TARGET_ADDRESS $GSLB_TARGET_PORT $EXTRA"'],
        env: { EXTRA: 'x' },
      },
    })
    expect(result).toMatchObject({ ok: true, code: 'ok', message: 'exit 0: pool/member-1 127.0.0.1 104 x' })
  })

  test('a non-zero exit is down and reports stderr', async () => {
    const result = await checkOnce({
      address,
      port: 104,
      monitor: { type: 'external', command: 'sh', args: ['-c', 'echo "association rejected" >&2; exit 3'] },
    })
    expect(result).toMatchObject({ ok: false, code: 'exit', message: 'exit 3: association rejected' })
  })

  test('output is kept only up to maxOutputBytes', async () => {
    const result = await checkOnce({
      address,
      port: 104,
      monitor: {
        type: 'external',
        command: 'sh',
        args: ['-c', 'head -c 100000 /dev/zero | tr "\\0" a'],
        maxOutputBytes: 16,
      },
    })
    expect(result.message).toBe('exit 0: aaaaaaaaaaaaaaaa… (99984 bytes dropped)')
  })

  test('a command that hangs is killed at the timeout with its whole process group', async () => {
    const marker = `gslb-health-hang-${process.pid}-${Date.now()}`
    const result = await checkOnce({
      address,
      port: 104,
      timeoutMs: 300,
      monitor: {
        type: 'external',
        command: 'sh',
        args: ['-c', `sh -c ': ${marker}-child; sleep 30; :' & sleep 30; : ${marker}`],
      },
    })
    expect(result).toMatchObject({ ok: false, code: 'timeout' })
    expect(result.durationMs).toBeLessThan(2_000)
    expect(alive(marker)).toBe(false) // neither the command nor the child it started in the background
  })

  test('a command that exits but leaves a background child holding its output is cut off at the timeout', async () => {
    // Regression: once the command itself had exited, the timeout no longer killed its process group, so the
    // child kept the pipes (and the check) open until it ended on its own, and outlived stop().
    const marker = `gslb-health-orphan-${process.pid}-${Date.now()}`
    const result = await checkOnce({
      address,
      port: 104,
      timeoutMs: 300,
      monitor: { type: 'external', command: 'sh', args: ['-c', `sh -c 'sleep 30; : ${marker}' & exit 0`] },
    })
    expect(result).toMatchObject({ ok: false, code: 'timeout' })
    expect(result.durationMs).toBeLessThan(2_000)
    expect(alive(marker)).toBe(false)
  })

  test('a missing command is down with a clear message', async () => {
    const result = await checkOnce({
      address,
      port: 104,
      monitor: { type: 'external', command: '/nonexistent/check-pacs' },
    })
    expect(result).toMatchObject({ ok: false })
    expect(result.message).toMatch(/ENOENT/)
  })
})
