import { ConsoleError, ConsoleErrorCode, createAdminClient, isConsoleError } from '../src/index.js'

describe('ConsoleError and isConsoleError', () => {
  it('has one SCREAMING key per code, each GSLB_CONSOLE_<KEY> (none shared with the CLI)', () => {
    for (const [key, code] of Object.entries(ConsoleErrorCode)) expect(code).toBe(`GSLB_CONSOLE_${key}`)
  })

  it('carries code, path, status and cause', () => {
    const cause = new Error('underneath')
    const error = new ConsoleError(ConsoleErrorCode.REFUSED, 'no', { path: 'pool', status: 409, cause })
    expect(error).toMatchObject({
      name: 'ConsoleError',
      code: 'GSLB_CONSOLE_REFUSED',
      path: 'pool',
      status: 409,
    })
    expect(error.cause).toBe(cause)
    const bare = new ConsoleError(ConsoleErrorCode.NOT_BUILT, 'x')
    expect(bare.path).toBeUndefined()
    expect(bare.status).toBeUndefined()
    expect('cause' in bare).toBe(false)
  })

  it('is what the client throws, with the option at fault in path', () => {
    let thrown: unknown
    try {
      createAdminClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: -1 })
    } catch (error) {
      thrown = error
    }
    expect(isConsoleError(thrown)).toBe(true)
    expect(thrown).toMatchObject({ code: ConsoleErrorCode.OPTIONS_INVALID, path: 'timeoutMs' })
  })

  it('knows every code, also on an error from another copy of the package', () => {
    for (const code of Object.values(ConsoleErrorCode)) {
      expect(isConsoleError(new ConsoleError(code, 'x'))).toBe(true)
      expect(isConsoleError(Object.assign(new Error('x'), { name: 'ConsoleError', code }))).toBe(true)
    }
  })

  it.each([
    [
      "the CLI's code of the same meaning",
      Object.assign(new Error('x'), { name: 'ConsoleError', code: 'GSLB_ADMIN_REFUSED' }),
    ],
    [
      "another package's error",
      Object.assign(new Error('x'), { name: 'CliError', code: 'GSLB_CONSOLE_REFUSED' }),
    ],
    ['an error without a code', Object.assign(new Error('x'), { name: 'ConsoleError' })],
    ['a plain object shaped like one', { name: 'ConsoleError', code: 'GSLB_CONSOLE_REFUSED', message: 'x' }],
    ['a plain Error', new Error('x')],
    ['null', null],
    ['a string', 'GSLB_CONSOLE_REFUSED'],
  ])('refuses %s', (_what, value) => {
    expect(isConsoleError(value)).toBe(false)
  })
})
