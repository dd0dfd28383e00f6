import * as cli from '@gslb/cli'
import * as consoleUi from '@gslb/console'
import * as dicom from '@gslb/dicom'
import * as engine from '@gslb/engine'
import * as forwarder from '@gslb/forwarder'
import * as health from '@gslb/health'
import * as resolver from '@gslb/resolver'
import * as topology from '@gslb/topology'

// The one vocabulary of docs/architecture.md, checked across every package at once: each library's errors follow one
// template with codes unique across the project, and every long-lived object speaks the same lifecycle verbs.

type Exports = Record<string, unknown>

const libraries: [name: string, prefix: string, exports: Exports][] = [
  ['Topology', 'TOPOLOGY', topology],
  ['Dicom', 'DICOM', dicom],
  ['Health', 'HEALTH', health],
  ['Engine', 'ENGINE', engine],
  ['Resolver', 'RESOLVER', resolver],
  ['Forwarder', 'FORWARDER', forwarder],
  ['Console', 'CONSOLE', consoleUi],
]

describe.each(libraries)('@gslb/%s errors', (name, prefix, exports) => {
  const codes = exports[`${name}ErrorCode`] as Record<string, string>
  const ErrorClass = exports[`${name}Error`] as new (
    code: string,
    message: string,
    options?: { path?: string; cause?: unknown },
  ) => Error & { code: string; path: string | undefined }
  const guard = exports[`is${name}Error`] as (value: unknown) => boolean

  test('exports the error class, its code table and its guard', () => {
    expect(typeof codes).toBe('object')
    expect(typeof ErrorClass).toBe('function')
    expect(typeof guard).toBe('function')
  })

  test(`every code is GSLB_${prefix}_<KEY> under its SCREAMING key`, () => {
    for (const [key, code] of Object.entries(codes)) {
      expect(key).toMatch(/^[A-Z][A-Z0-9_]*$/)
      expect(code).toBe(`GSLB_${prefix}_${key}`)
    }
  })

  test('an error carries code, path and cause, and the guard knows it by name and code', () => {
    const [code] = Object.values(codes)
    const cause = new Error('underneath')
    const error = new ErrorClass(code as string, 'what went wrong', { path: 'a.b[0]', cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe(`${name}Error`)
    expect(error.code).toBe(code)
    expect(error.path).toBe('a.b[0]')
    expect(error.cause).toBe(cause)
    expect(guard(error)).toBe(true)
    const fromAnotherCopy = Object.assign(new Error('x'), { name: `${name}Error`, code })
    expect(guard(fromAnotherCopy)).toBe(true)
    expect(guard(Object.assign(new Error('x'), { name: `${name}Error`, code: 'GSLB_NOT_A_CODE' }))).toBe(
      false,
    )
    expect(guard(new Error('plain'))).toBe(false)
    expect(guard(null)).toBe(false)
  })
})

test('error codes are unique across every package, the CLI included', () => {
  const seen = new Map<string, string>()
  const duplicates: string[] = []
  for (const [name, , exports] of libraries) {
    for (const code of Object.values(exports[`${name}ErrorCode`] as Record<string, string>)) {
      if (seen.has(code)) duplicates.push(`${code} (${seen.get(code)} and ${name})`)
      seen.set(code, name)
    }
  }
  for (const code of Object.values((cli as Exports).CliErrorCode as Record<string, string>)) {
    if (seen.has(code)) duplicates.push(`${code} (${seen.get(code)} and Cli)`)
    seen.set(code, 'Cli')
  }
  expect(duplicates).toEqual([])
})

test("the CLI's errors: a code table, and a guard that knows CliError and ConfigError by name and code", () => {
  const { CliError, CliErrorCode, ConfigError, isCliError } = cli
  expect(isCliError(new CliError(CliErrorCode.NODE_STATE, 'no pool'))).toBe(true)
  expect(isCliError(new ConfigError([{ path: 'services', message: 'bad' }]))).toBe(true)
  expect(isCliError(Object.assign(new Error('x'), { name: 'CliError', code: 'GSLB_CLI_USAGE' }))).toBe(true)
  expect(isCliError(Object.assign(new Error('x'), { name: 'CliError', code: 'NOPE' }))).toBe(false)
  expect(isCliError('GSLB_CLI_USAGE')).toBe(false)
})

// One lifecycle: made by a factory, start/close/destroy/asyncDispose and no stop(); close() before start() resolves,
// is idempotent, and a closed object refuses to start again with its package's CLOSED code.
const lifecycles: [name: string, closedCode: string, make: () => Record<string | symbol, unknown>][] = [
  [
    'dicom verification server',
    'GSLB_DICOM_CLOSED',
    () => dicom.createVerificationServer({ aeTitle: 'PACS', host: '127.0.0.1', port: 0 }) as never,
  ],
  ['health checker', 'GSLB_HEALTH_CLOSED', () => health.createHealthChecker() as never],
  [
    'engine',
    'GSLB_ENGINE_CLOSED',
    () =>
      engine.createEngine({
        config: {
          zones: {
            'dicom.example.org': { ns: [{ name: 'ns1.dicom.example.org', addresses: ['192.0.2.53'] }] },
          },
          pools: {},
          names: {},
        },
      } as never) as never,
  ],
  [
    'resolver',
    'GSLB_RESOLVER_CLOSED',
    () => resolver.createResolver({ nameservers: ['127.0.0.1:53'] }) as never,
  ],
  ['forwarder', 'GSLB_FORWARDER_CLOSED', () => forwarder.createForwarder({ services: [] }) as never],
  [
    "CLI's admin API listener",
    'GSLB_NODE_CLOSED',
    () =>
      cli.createAdminServer({
        listen: { address: '127.0.0.1', port: 0 },
        handlers: {} as never,
      }) as never,
  ],
]

describe.each(lifecycles)('the %s', (_name, closedCode, make) => {
  test('speaks start/close/destroy/asyncDispose and has no stop()', () => {
    const thing = make()
    for (const verb of ['start', 'close', 'destroy', Symbol.asyncDispose])
      expect(typeof thing[verb as string]).toBe('function')
    expect(thing.stop).toBeUndefined()
    ;(thing.destroy as () => void)()
  })

  test('close() before start() resolves and is idempotent; start() after close() is refused as CLOSED', async () => {
    const thing = make()
    const close = thing.close as () => Promise<void>
    const first = close.call(thing)
    expect(close.call(thing)).toBe(first)
    await first
    await expect((thing.start as () => Promise<void>).call(thing)).rejects.toMatchObject({ code: closedCode })
  })
})
