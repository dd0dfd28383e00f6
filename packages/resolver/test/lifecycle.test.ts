import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { sleep, waitFor } from '../../../test/support/wait.js'
import {
  createResolver,
  type HandlerErrorEvent,
  isResolverError,
  type Resolver,
  type ResolverOptions,
} from '../src/index.js'
import { type FakeNameserver, startFakeNameserver } from './support/fake-nameserver.js'

const NAME = 'dicom.mysite.example'

describe('Resolver lifecycle: start, close, destroy, asyncDispose', () => {
  let gslb: FakeNameserver
  let resolver: Resolver | undefined
  let before: Record<string, number>

  beforeEach(async () => {
    before = activeResources()
    gslb = await startFakeNameserver('127.0.0.1', () => ({ addresses: ['10.1.0.1'] }))
  })

  afterEach(async () => {
    resolver?.destroy()
    resolver = undefined
    await gslb.close()
    expect(await leakedSince(before)).toEqual({})
  })

  function make(options: Partial<ResolverOptions> = {}): Resolver {
    resolver = createResolver({ nameservers: [gslb.address], timeoutMs: 400, jitter: 0, ...options })
    return resolver
  }

  it('start() twice, while starting and once running, is the same promise and one first cycle', async () => {
    gslb.respond = () => ({ addresses: ['10.1.0.1'], delay: 50 })
    const r = make({ intervalMs: 60_000 })
    r.track(NAME)
    const first = r.start()
    expect(r.start()).toBe(first)
    await first
    expect(r.start()).toBe(first)
    expect(gslb.count()).toBe(1)
    expect(r.running).toBe(true)
  })

  it('close() twice is the same promise; destroy() after it and start() after it: CLOSED', async () => {
    const r = make()
    r.track(NAME)
    await r.start()
    const closing = r.close()
    expect(r.close()).toBe(closing)
    await closing
    expect(r.running).toBe(false)
    expect(r.snapshot().running).toBe(false)
    expect(() => r.destroy()).not.toThrow()
    expect(r.close()).toBe(closing)
    const refused = await r.start().catch((error: unknown) => error)
    expect(isResolverError(refused)).toBe(true)
    expect(refused).toMatchObject({ code: 'GSLB_RESOLVER_CLOSED' })
    await expect(r.resolveNow(NAME)).rejects.toMatchObject({ code: 'GSLB_RESOLVER_CLOSED' })
  })

  it('close() on a resolver never started resolves, sends nothing, and start() after it is CLOSED', async () => {
    const r = make()
    r.track(NAME)
    await r.close()
    await expect(r.start()).rejects.toMatchObject({ code: 'GSLB_RESOLVER_CLOSED' })
    expect(gslb.count()).toBe(0)
  })

  it('[Symbol.asyncDispose]() closes it (await using)', async () => {
    const r = make({ intervalMs: 50 })
    r.track(NAME)
    await r.start()
    await r[Symbol.asyncDispose]()
    expect(r.running).toBe(false)
    const sent = gslb.count()
    await sleep(150)
    expect(gslb.count()).toBe(sent)
    await expect(r.start()).rejects.toMatchObject({ code: 'GSLB_RESOLVER_CLOSED' })
  })

  it('close() lets the lookup in flight finish, then sends nothing more', async () => {
    const r = make({ intervalMs: 60_000, resolveNowMinIntervalMs: 0 })
    r.track(NAME)
    await r.start()
    gslb.respond = () => ({ addresses: ['10.2.0.1'], delay: 150 })
    const refresh = r.resolveNow(NAME)
    await waitFor(() => gslb.count() === 2, { what: 'the refresh sent' })
    await r.close({ deadlineMs: 5_000 })
    await expect(refresh).resolves.toMatchObject({ addresses: ['10.2.0.1'] })
    expect(r.addresses(NAME)).toEqual(['10.2.0.1'])
    await sleep(100)
    expect(gslb.count()).toBe(2)
  })

  it('close() with a deadline past the timer range waits for the lookup (Node would fire such a timer at once)', async () => {
    const r = make({ intervalMs: 60_000, resolveNowMinIntervalMs: 0 })
    r.track(NAME)
    await r.start()
    gslb.respond = () => ({ addresses: ['10.2.0.1'], delay: 150 })
    const refresh = r.resolveNow(NAME)
    await waitFor(() => gslb.count() === 2, { what: 'the refresh sent' })
    await r.close({ deadlineMs: Number.POSITIVE_INFINITY })
    await expect(refresh).resolves.toMatchObject({ addresses: ['10.2.0.1'] })
  })

  it('close() refuses a bad deadlineMs or signal, naming it, and stays open', async () => {
    const r = make()
    await expect(r.close({ deadlineMs: -1 })).rejects.toMatchObject({
      code: 'GSLB_RESOLVER_OPTIONS_INVALID',
      path: 'deadlineMs',
    })
    await expect(r.close({ signal: {} as AbortSignal })).rejects.toMatchObject({ path: 'signal' })
    r.track(NAME)
    await r.start()
    expect(r.addresses(NAME)).toEqual(['10.1.0.1'])
  })

  it("the resolver's signal still destroys it while close() waits for a lookup", async () => {
    gslb.respond = () => ({ silence: true })
    const controller = new AbortController()
    const r = make({ timeoutMs: 10_000, signal: controller.signal })
    r.track(NAME)
    const starting = r.start()
    starting.catch(() => {})
    await waitFor(() => gslb.count() === 1, { what: 'the first query sent' })
    const closing = r.close({ deadlineMs: 60_000 })
    controller.abort()
    const started = Date.now()
    await closing
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('close() aborts the lookup still in flight at deadlineMs, leaving no socket or timer', async () => {
    gslb.respond = () => ({ silence: true })
    const r = make({ timeoutMs: 10_000 })
    const failures: unknown[] = []
    r.on('lookup:fail', (e) => failures.push(e))
    r.track(NAME)
    const starting = r.start()
    await waitFor(() => gslb.count() === 1, { what: 'the first query sent' })
    const started = Date.now()
    await r.close({ deadlineMs: 100 })
    // far below the 10 s per-try wait the query would otherwise get; generous for a loaded machine
    expect(Date.now() - started).toBeLessThan(3_000)
    await expect(starting).rejects.toMatchObject({ code: 'GSLB_RESOLVER_CLOSED' })
    expect(failures).toEqual([])
    expect(await leakedSince(before)).toMatchObject({ TCPServerWrap: 1, UDPWrap: 1 }) // only the fake server
  })

  it("close()'s signal aborts the lookups in flight before the deadline", async () => {
    gslb.respond = () => ({ silence: true })
    const r = make({ timeoutMs: 10_000 })
    r.track(NAME)
    const starting = r.start()
    starting.catch(() => {})
    await waitFor(() => gslb.count() === 1, { what: 'the first query sent' })
    const controller = new AbortController()
    const closing = r.close({ deadlineMs: 60_000, signal: controller.signal })
    controller.abort()
    const started = Date.now()
    await closing
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('destroy(error) cuts everything short at once; what it cut short carries the error', async () => {
    gslb.respond = () => ({ silence: true })
    const r = make({ timeoutMs: 10_000 })
    r.track(NAME)
    const starting = r.start()
    await waitFor(() => gslb.count() === 1, { what: 'the first query sent' })
    const why = new Error('shutting down')
    r.destroy(why)
    r.destroy()
    await expect(starting).rejects.toMatchObject({ code: 'GSLB_RESOLVER_CLOSED', cause: why })
    await r.close()
    expect(r.running).toBe(false)
  })

  it("the resolver's signal destroys it: no socket or timer left, start() is CLOSED", async () => {
    gslb.respond = () => ({ silence: true })
    const controller = new AbortController()
    const r = make({ timeoutMs: 10_000, signal: controller.signal })
    r.track(NAME)
    const starting = r.start()
    await waitFor(() => gslb.count() === 1, { what: 'the first query sent' })
    controller.abort(new Error('operator stop'))
    await expect(starting).rejects.toMatchObject({ code: 'GSLB_RESOLVER_CLOSED' })
    expect(r.running).toBe(false)
    expect(await leakedSince(before)).toMatchObject({ TCPServerWrap: 1, UDPWrap: 1 })
    await expect(r.start()).rejects.toMatchObject({
      code: 'GSLB_RESOLVER_CLOSED',
      cause: { code: 'GSLB_RESOLVER_ABORTED' },
    })
  })

  it("aborting start()'s signal leaves it not started; start() again refreshes", async () => {
    gslb.respond = () => ({ silence: true })
    const r = make({ timeoutMs: 10_000, intervalMs: 60_000 })
    r.track(NAME)
    const controller = new AbortController()
    const starting = r.start({ signal: controller.signal })
    await waitFor(() => gslb.count() === 1, { what: 'the first query sent' })
    const reason = new Error('gave up')
    controller.abort(reason)
    await expect(starting).rejects.toMatchObject({ code: 'GSLB_RESOLVER_ABORTED', cause: reason })
    expect(r.running).toBe(false)
    gslb.respond = () => ({ addresses: ['10.1.0.7'] })
    await r.start()
    expect(r.addresses(NAME)).toEqual(['10.1.0.7'])
  })
})

describe("a throwing event handler: 'handler:error', else a process warning; never a log line", () => {
  let gslb: FakeNameserver
  let resolver: Resolver | undefined
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const
  let spies: jest.SpyInstance[] = []
  let emitWarning: jest.SpyInstance

  beforeEach(async () => {
    gslb = await startFakeNameserver('127.0.0.1', () => ({ addresses: ['10.1.0.1'] }))
    spies = consoleMethods.map((method) => jest.spyOn(console, method))
    emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
  })

  afterEach(async () => {
    await resolver?.close({ deadlineMs: 0 })
    resolver = undefined
    await gslb.close()
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled()
      spy.mockRestore()
    }
    emitWarning.mockRestore()
  })

  function make(): Resolver {
    resolver = createResolver({ nameservers: [gslb.address], timeoutMs: 400, intervalMs: 60_000 })
    resolver.track(NAME)
    return resolver
  }

  it("re-emits the error as 'handler:error' { event, error }; the other handlers and the name carry on", async () => {
    const r = make()
    const bug = new Error('handler bug')
    const reported: HandlerErrorEvent[] = []
    const after: string[][] = []
    r.on('handler:error', (e) => reported.push(e))
    r.on('address:change', () => {
      throw bug
    })
    r.on('address:change', (e) => after.push([...e.current]))
    await r.start()
    expect(reported).toEqual([{ event: 'address:change', error: bug }])
    expect(after).toEqual([['10.1.0.1']])
    expect(r.status(NAME)?.state).toBe('online')
    expect(emitWarning).not.toHaveBeenCalled()
  })

  it('with no handler for it, the error goes to process.emitWarning', async () => {
    const r = make()
    r.on('name:online', () => {
      throw new Error('online handler bug')
    })
    await r.start()
    expect(emitWarning).toHaveBeenCalledTimes(1)
    expect(emitWarning.mock.calls[0]?.[0]).toMatchObject({ message: 'online handler bug' })
  })

  it("when the 'handler:error' handler throws too, both errors go to process.emitWarning", async () => {
    const r = make()
    r.on('handler:error', () => {
      throw new Error('reporter bug')
    })
    r.on('address:change', () => {
      throw 'not an Error'
    })
    await r.start()
    expect(emitWarning.mock.calls.map(([warning]) => (warning as Error).message)).toEqual([
      'a handler threw a non-error: not an Error',
      'reporter bug',
    ])
  })
})
