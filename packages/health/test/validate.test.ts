import {
  createHealthChecker,
  HealthError,
  HealthErrorCode,
  isHealthError,
  resolveTarget,
  validateTarget,
} from '../src/index.js'

const base = { id: 'a', address: '127.0.0.1', port: 104, monitor: { type: 'tcp' } }

function fieldOf(input: unknown): string | undefined {
  try {
    resolveTarget(input)
  } catch (error) {
    expect(error).toBeInstanceOf(HealthError)
    expect((error as HealthError).code).toBe(HealthErrorCode.INVALID_TARGET)
    expect((error as HealthError).message).toContain((error as HealthError).path)
    return (error as HealthError).path
  }
  throw new Error('expected a validation error')
}

describe('target validation', () => {
  test('fills defaults; timeout defaults to min(1000, interval / 2), fastInterval to min(interval, 500)', () => {
    expect(resolveTarget(base)).toMatchObject({
      intervalMs: 2000,
      timeoutMs: 1000,
      rise: 2,
      fall: 3,
      fastIntervalMs: 500,
      downIntervalMs: 2000,
      jitter: 0.1,
      initialState: 'unknown',
    })
    expect(resolveTarget({ ...base, intervalMs: 300 })).toMatchObject({ timeoutMs: 150, fastIntervalMs: 300 })
  })

  test.each([
    [null, 'target'],
    [{ ...base, id: '' }, 'target.id'],
    [{ ...base, id: 'x'.repeat(300) }, 'target.id'],
    [{ ...base, id: 'a\0b' }, 'target.id'],
    [{ ...base, port: 0 }, 'target.port'],
    [{ ...base, port: 70000 }, 'target.port'],
    [{ ...base, address: 'pacs.example' }, 'target.address'],
    [{ ...base, monitor: undefined }, 'target.monitor'],
    [{ ...base, monitor: { type: 'icmp' } }, 'target.monitor.type'],
    [{ ...base, intervalMs: 1000, timeoutMs: 1000 }, 'target.timeoutMs'],
    [{ ...base, intervalMs: 5 }, 'target.intervalMs'],
    [{ ...base, rise: 0 }, 'target.rise'],
    [{ ...base, fall: 1.5 }, 'target.fall'],
    [{ ...base, jitter: 0.9 }, 'target.jitter'],
    [{ ...base, fastIntervalMs: 5000 }, 'target.fastIntervalMs'],
    [{ ...base, initialState: 'maybe' }, 'target.initialState'],
    [{ ...base, monitor: { type: 'tcp', send: 'x'.repeat(5000) } }, 'target.monitor.send'],
    [{ ...base, monitor: { type: 'tcp', expect: '' } }, 'target.monitor.expect'],
    [{ ...base, monitor: { type: 'tcp', maxBytes: 1e6 } }, 'target.monitor.maxBytes'],
    [{ ...base, monitor: { type: 'http', path: 'health' } }, 'target.monitor.path'],
    [{ ...base, monitor: { type: 'http', path: '/a b' } }, 'target.monitor.path'],
    [{ ...base, monitor: { type: 'http', method: 'get' } }, 'target.monitor.method'],
    [{ ...base, monitor: { type: 'https', hostname: 'bad host' } }, 'target.monitor.hostname'],
    [{ ...base, monitor: { type: 'http', expectStatus: [200, 99] } }, 'target.monitor.expectStatus[1]'],
    [{ ...base, monitor: { type: 'http', expectStatus: [] } }, 'target.monitor.expectStatus'],
    [{ ...base, monitor: { type: 'http', headers: { 'x-a': 'b\r\nc: d' } } }, 'target.monitor.headers.x-a'],
    [{ ...base, monitor: { type: 'https', verifyTls: 'no' } }, 'target.monitor.verifyTls'],
    // undici refuses these at request time, so every check would fail: refuse them here, naming the field
    [{ ...base, monitor: { type: 'http', headers: { Host: 'pacs' } } }, 'target.monitor.headers.Host'],
    [
      { ...base, monitor: { type: 'http', headers: { 'Transfer-Encoding': 'chunked' } } },
      'target.monitor.headers.Transfer-Encoding',
    ],
    [
      { ...base, monitor: { type: 'http', headers: { connection: 'keep-alive' } } },
      'target.monitor.headers.connection',
    ],
    [{ ...base, monitor: { type: 'dicom', calledAE: 'THIS_TITLE_IS_TOO_LONG' } }, 'target.monitor.calledAE'],
    [{ ...base, monitor: { type: 'dicom', callingAE: '   ' } }, 'target.monitor.callingAE'],
    [{ ...base, monitor: { type: 'dns' } }, 'target.monitor.name'],
    [{ ...base, monitor: { type: 'dns', name: 'a..b' } }, 'target.monitor.name'],
    [{ ...base, monitor: { type: 'dns', name: 'a.b', rrtype: 'MX' } }, 'target.monitor.rrtype'],
    [{ ...base, monitor: { type: 'dns', name: 'a.b', expectRcode: 'NOPE' } }, 'target.monitor.expectRcode'],
    [
      { ...base, monitor: { type: 'dns', name: 'a.b', expectAddress: '::1' } },
      'target.monitor.expectAddress',
    ],
    [{ ...base, monitor: { type: 'external' } }, 'target.monitor.command'],
    [{ ...base, monitor: { type: 'external', command: 'x', args: [1] } }, 'target.monitor.args[0]'],
    // biome-ignore lint/suspicious/noSparseArray: a hole must fail like any other bad entry
    [{ ...base, monitor: { type: 'external', command: 'x', args: ['a', , 'b'] } }, 'target.monitor.args[1]'],
    // biome-ignore lint/suspicious/noSparseArray: a hole must fail like any other bad entry
    [{ ...base, monitor: { type: 'http', expectStatus: [200, , 204] } }, 'target.monitor.expectStatus[1]'],
    [{ ...base, monitor: { type: 'external', command: 'x', env: { A: 1 } } }, 'target.monitor.env.A'],
    // spawn() throws on NUL bytes: refused when the target is added, not at every check
    [{ ...base, monitor: { type: 'external', command: 'x\0y' } }, 'target.monitor.command'],
    [{ ...base, address: 'a\0b', monitor: { type: 'external', command: 'x' } }, 'target.address'],
    [{ ...base, monitor: { type: 'external', command: 'x', env: { A: 'b\0' } } }, 'target.monitor.env.A'],
    [{ ...base, monitor: { type: 'external', command: 'x', env: { 'A=B': 'c' } } }, 'target.monitor.env.A=B'],
    [{ ...base, monitor: { type: 'custom' } }, 'target.monitor.check'],
  ])('%j is rejected naming %s', (input, field) => {
    expect(fieldOf(input)).toBe(field)
  })

  test('external and custom monitors accept a non-IP address', () => {
    expect(
      resolveTarget({ ...base, address: 'pacs-a', monitor: { type: 'external', command: 'true' } }).address,
    ).toBe('pacs-a')
  })
})

describe('validateTarget', () => {
  test('an accepted target has no issues', () => {
    expect(validateTarget(base)).toEqual([])
    expect(
      validateTarget({ ...base, monitor: { type: 'http', path: '/ok', expectStatus: [200, 204] } }),
    ).toEqual([])
  })

  test('reports every problem at once, each at its field, in the order resolveTarget finds them', () => {
    const target = {
      id: 'a',
      address: '127.0.0.1',
      port: 0,
      monitor: { type: 'http', method: 'get', path: 'no-slash', expectStatus: [200, 99, 700] },
      intervalMs: 2000,
      timeoutMs: 3000,
      jitter: 2,
    }
    expect(validateTarget(target)).toEqual([
      { path: 'target.port', message: 'must be an integer from 1 to 65535 (got 0)' },
      { path: 'target.monitor.method', message: 'must be an upper-case HTTP method (got "get")' },
      {
        path: 'target.monitor.path',
        message: "must start with '/' and hold no spaces or control characters",
      },
      { path: 'target.monitor.expectStatus[1]', message: 'must be an integer from 100 to 599 (got 99)' },
      { path: 'target.monitor.expectStatus[2]', message: 'must be an integer from 100 to 599 (got 700)' },
      { path: 'target.timeoutMs', message: 'must be below the interval (3000 ≥ 2000)' },
      { path: 'target.jitter', message: 'must be a number from 0 to 0.5 (got 2)' },
    ])
    expect(() => resolveTarget(target)).toThrow(
      'invalid target: target.port must be an integer from 1 to 65535',
    )
  })

  test('a value taken from the defaults is reported at defaults.*', () => {
    expect(validateTarget(base, { intervalMs: 1000, timeoutMs: 1500 })).toEqual([
      { path: 'defaults.timeoutMs', message: 'must be below the interval (1500 ≥ 1000)' },
    ])
  })

  test('a bad interval is reported once, not again through the values derived from it', () => {
    expect(validateTarget({ ...base, intervalMs: -1 })).toEqual([
      {
        path: 'target.intervalMs',
        message: expect.stringMatching(/^must be an integer from \d+ to \d+ \(got -1\)$/),
      },
    ])
  })

  test('a duration under its name before 0.2 (interval, timeout, ...) is refused with its new name, not ignored', () => {
    expect(
      validateTarget({ ...base, interval: 500, timeout: 200, fastInterval: 100, downInterval: 900 }),
    ).toEqual([
      { path: 'target.interval', message: "is now 'intervalMs' (milliseconds)" },
      { path: 'target.timeout', message: "is now 'timeoutMs' (milliseconds)" },
      { path: 'target.fastInterval', message: "is now 'fastIntervalMs' (milliseconds)" },
      { path: 'target.downInterval', message: "is now 'downIntervalMs' (milliseconds)" },
    ])
    expect(() => createHealthChecker({ defaults: { interval: 500 } as never })).toThrow(
      expect.objectContaining({ code: HealthErrorCode.OPTIONS_INVALID, path: 'defaults.interval' }),
    )
  })

  test('not an object', () => {
    expect(validateTarget(null)).toEqual([{ path: 'target', message: 'must be an object' }])
  })
})

describe('checker options', () => {
  test.each([
    [{ maxConcurrent: 0 }, 'maxConcurrent'],
    [{ historySize: -1 }, 'historySize'],
    [{ initialSpreadMs: 1.5 }, 'initialSpreadMs'],
    [{ releaseGraceMs: 'x' }, 'releaseGraceMs'],
    [{ defaults: { intervalMs: 500, timeoutMs: 800 } }, 'defaults.timeoutMs'],
    [{ signal: {} }, 'signal'],
    [{ clock: { now: () => 0 } }, 'clock.wallNow'],
    [{ random: 0.5 }, 'random'],
    [null, 'options'],
  ])('%j is rejected naming %s', (options, field) => {
    expect(() => createHealthChecker(options as never)).toThrow(
      expect.objectContaining({ code: HealthErrorCode.OPTIONS_INVALID, path: field }),
    )
  })

  test('defaults apply to targets that leave a field out', () => {
    const health = createHealthChecker({ defaults: { intervalMs: 500, rise: 4 } })
    expect(health.add(base as never).target).toMatchObject({
      intervalMs: 500,
      timeoutMs: 250,
      rise: 4,
      fall: 3,
    })
  })
})

describe('isHealthError', () => {
  test('matches on name and code, not on instanceof', () => {
    expect(isHealthError(new HealthError(HealthErrorCode.TIMEOUT, 'x'))).toBe(true)
    expect(
      isHealthError({
        name: 'HealthError',
        code: 'GSLB_HEALTH_INVALID_TARGET',
        message: 'from another copy',
      }),
    ).toBe(true)
    expect(isHealthError({ name: 'HealthError', code: 'GSLB_DICOM_TIMEOUT' })).toBe(false)
    expect(isHealthError(new Error('plain'))).toBe(false)
    expect(isHealthError(null)).toBe(false)
  })
})
