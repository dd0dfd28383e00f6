import { expectNoLeaks } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import {
  createForwarder,
  ForwarderError,
  ForwarderErrorCode,
  isForwarderError,
  type ServiceConfig,
} from '../src/index.js'
import { connectTo, echo, readAll, startBackend } from './helpers.js'

// The lifecycle, error and event vocabulary every gslb-lb library shares (docs/architecture.md).

function forwarderOn(port: number) {
  const service: ServiceConfig = {
    name: 'svc',
    listen: ['127.0.0.1:0'],
    backends: [{ address: '127.0.0.1', port }],
  }
  return createForwarder({ services: [service] })
}

describe('lifecycle verbs', () => {
  expectNoLeaks()

  test('start() twice returns the same promise, and binds once', async () => {
    const backend = await startBackend(echo)
    const forwarder = forwarderOn(backend.port)
    const first = forwarder.start()
    expect(forwarder.start()).toBe(first)
    await first
    expect(forwarder.start()).toBe(first)
    expect(forwarder.addresses('svc')).toHaveLength(1)
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  })

  test('close() twice returns the same promise; start() after close rejects with GSLB_FORWARDER_CLOSED', async () => {
    const backend = await startBackend(echo)
    const forwarder = forwarderOn(backend.port)
    await forwarder.start()
    const port = forwarder.addresses('svc')[0]!.port
    const closing = forwarder.close({ deadlineMs: 1_000 })
    expect(forwarder.close({ deadlineMs: 0 })).toBe(closing)
    await closing
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await expect(forwarder.start()).rejects.toMatchObject({ code: ForwarderErrorCode.CLOSED })
    await expect(forwarder.update([])).rejects.toMatchObject({ code: ForwarderErrorCode.CLOSED })
    await backend.close()
  })

  test('close() before start() resolves, and the forwarder cannot be started afterwards', async () => {
    const forwarder = forwarderOn(1)
    await forwarder.close()
    await expect(forwarder.start()).rejects.toMatchObject({ code: ForwarderErrorCode.CLOSED })
  })

  test('close() while start() is binding waits for it, then closes what it bound', async () => {
    const backend = await startBackend(echo)
    const forwarder = forwarderOn(backend.port)
    const starting = forwarder.start()
    const closing = forwarder.close({ deadlineMs: 0 })
    await starting
    await closing
    expect(forwarder.stats()[0]!.listeners).toEqual([])
    await backend.close()
  })

  test('destroy() cuts a graceful close short and is idempotent; start() then rejects with the reason as cause', async () => {
    const backend = await startBackend(echo)
    const forwarder = forwarderOn(backend.port)
    await forwarder.start()
    const socket = await connectTo(forwarder.addresses('svc')[0]!.port)
    const ended = readAll(socket)
    socket.write('x')
    await waitFor(() => forwarder.stats()[0]!.active === 1, { timeoutMs: 2_000, what: 'connection open' })
    const started = Date.now()
    const closing = forwarder.close({ deadlineMs: 60_000 })
    const reason = new Error('operator pulled the plug')
    forwarder.destroy(reason)
    forwarder.destroy()
    await closing
    // well below the 60 s deadline: the established connection was closed, not waited for
    expect(Date.now() - started).toBeLessThan(30_000)
    await ended
    const refused = await forwarder.start().catch((error: unknown) => error)
    expect(refused).toMatchObject({ code: ForwarderErrorCode.CLOSED, cause: reason })
    await backend.close()
  })

  test('destroy() after close() and close() after destroy() settle without error', async () => {
    const backend = await startBackend(echo)
    const first = forwarderOn(backend.port)
    await first.start()
    await first.close()
    first.destroy()
    const second = forwarderOn(backend.port)
    await second.start()
    second.destroy()
    await second.close()
    expect(second.stats()[0]!.listeners).toEqual([])
    await backend.close()
  })

  test('await using closes the forwarder at the end of the scope', async () => {
    const backend = await startBackend(echo)
    let port = 0
    {
      await using forwarder = forwarderOn(backend.port)
      await forwarder.start()
      port = forwarder.addresses('svc')[0]!.port
    }
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await backend.close()
  })

  test('close() with a bad deadline is refused and leaves the forwarder running', async () => {
    const backend = await startBackend(echo)
    const forwarder = forwarderOn(backend.port)
    await forwarder.start()
    await expect(forwarder.close({ deadlineMs: -1 })).rejects.toMatchObject({
      code: ForwarderErrorCode.OPTIONS_INVALID,
      path: 'deadlineMs',
    })
    const socket = await connectTo(forwarder.addresses('svc')[0]!.port)
    const reply = readAll(socket)
    socket.end('still up')
    expect((await reply).data.toString()).toBe('still up')
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  })
})

describe('events', () => {
  expectNoLeaks()

  test("a throwing handler with nobody on 'handler:error' becomes a process warning, and forwarding goes on", async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      const backend = await startBackend(echo)
      const forwarder = forwarderOn(backend.port)
      await forwarder.start()
      const bug = new Error('handler bug')
      forwarder.on('connection:close', () => {
        throw bug
      })
      const socket = await connectTo(forwarder.addresses('svc')[0]!.port)
      const reply = readAll(socket)
      socket.end('echo')
      expect((await reply).data.toString()).toBe('echo')
      await waitFor(() => warn.mock.calls.length === 1, { timeoutMs: 2_000, what: 'warning' })
      expect(warn.mock.calls[0]![0]).toBe(bug)
      await forwarder.close({ deadlineMs: 0 })
      await backend.close()
    } finally {
      warn.mockRestore()
    }
  })

  test("a throwing 'handler:error' handler: both errors become process warnings", async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      const backend = await startBackend(echo)
      const forwarder = forwarderOn(backend.port)
      await forwarder.start()
      const bug = new Error('handler bug')
      const second = new Error('handler:error handler bug')
      forwarder.on('connection:close', () => {
        throw bug
      })
      forwarder.on('handler:error', () => {
        throw second
      })
      const socket = await connectTo(forwarder.addresses('svc')[0]!.port)
      socket.end('x')
      await readAll(socket)
      await waitFor(() => warn.mock.calls.length === 2, { timeoutMs: 2_000, what: 'warnings' })
      expect(warn.mock.calls.map(([error]) => error)).toEqual([bug, second])
      await forwarder.close({ deadlineMs: 0 })
      await backend.close()
    } finally {
      warn.mockRestore()
    }
  })

  test('a throwing handler stops neither the handlers after it nor a once() handler', async () => {
    const backend = await startBackend(echo)
    const forwarder = forwarderOn(backend.port)
    await forwarder.start()
    const seen: string[] = []
    forwarder.on('handler:error', () => seen.push('handler:error'))
    forwarder.on('connection:close', () => {
      throw new Error('first handler bug')
    })
    forwarder.on('connection:close', () => seen.push('second'))
    forwarder.once('connection:close', () => seen.push('once'))
    for (let i = 0; i < 2; i++) {
      const socket = await connectTo(forwarder.addresses('svc')[0]!.port)
      socket.end('x')
      await readAll(socket)
      await waitFor(() => seen.filter((entry) => entry === 'handler:error').length === i + 1, {
        timeoutMs: 2_000,
        what: 'reported',
      })
    }
    expect(seen).toEqual(['handler:error', 'second', 'once', 'handler:error', 'second'])
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  })

  test('an error process.emitWarning refuses (another realm) is warned about by message, name and stack', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation((warning) => {
      if (typeof warning !== 'string')
        throw new TypeError('The "warning" argument must be of type string or Error')
    })
    try {
      const backend = await startBackend(echo)
      const forwarder = forwarderOn(backend.port)
      await forwarder.start()
      forwarder.on('connection:close', () => {
        throw Object.assign(new Error('handler bug'), { code: 'E_BUG' })
      })
      const socket = await connectTo(forwarder.addresses('svc')[0]!.port)
      const reply = readAll(socket)
      socket.end('echo')
      expect((await reply).data.toString()).toBe('echo')
      await waitFor(() => warn.mock.calls.length === 2, { timeoutMs: 2_000, what: 'warned' })
      expect(warn.mock.calls[1]).toEqual([
        'handler bug',
        { type: 'Error', code: 'E_BUG', detail: expect.stringContaining('handler bug') },
      ])
      await forwarder.close({ deadlineMs: 0 })
      await backend.close()
    } finally {
      warn.mockRestore()
    }
  })

  test('the logger option is gone: passing one is refused, naming it', () => {
    const logger = { info() {}, warn() {}, error() {} }
    expect(() => createForwarder({ services: [], logger } as never)).toThrow(
      expect.objectContaining({ code: ForwarderErrorCode.OPTIONS_INVALID, path: 'logger' }),
    )
  })
})

describe('errors', () => {
  test('every code is GSLB_FORWARDER_<KEY>', () => {
    for (const [key, code] of Object.entries(ForwarderErrorCode)) expect(code).toBe(`GSLB_FORWARDER_${key}`)
  })

  test('isForwarderError knows one from another copy of the package by name and code, not instanceof', () => {
    const own = new ForwarderError(ForwarderErrorCode.OPTIONS_INVALID, 'bad', { path: 'services[0].name' })
    expect(isForwarderError(own)).toBe(true)
    expect(own.path).toBe('services[0].name')
    const fromAnotherCopy = Object.assign(new Error('bad'), {
      name: 'ForwarderError',
      code: 'GSLB_FORWARDER_OPTIONS_INVALID',
    })
    expect(fromAnotherCopy).not.toBeInstanceOf(ForwarderError)
    expect(isForwarderError(fromAnotherCopy)).toBe(true)
    expect(
      isForwarderError(
        Object.assign(new Error('x'), { name: 'ForwarderError', code: 'GSLB_CONFIG_INVALID' }),
      ),
    ).toBe(false)
    expect(isForwarderError(new Error('plain'))).toBe(false)
    expect(isForwarderError(undefined)).toBe(false)
  })

  test('an option error from createForwarder is a ForwarderError with the option path', () => {
    let caught: unknown
    try {
      createForwarder({ services: [{ name: 'a/b', listen: ['127.0.0.1:0'], backends: [] }] })
    } catch (error) {
      caught = error
    }
    expect(isForwarderError(caught)).toBe(true)
    expect(caught).toMatchObject({ code: 'GSLB_FORWARDER_OPTIONS_INVALID', path: 'services[0].name' })
  })
})
