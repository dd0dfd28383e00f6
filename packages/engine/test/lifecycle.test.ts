import net from 'node:net'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { createEngine, type EngineConfig, isEngineError } from '../src/index.js'
import { decode, query, sampleConfig, ZONE } from './support/dns.js'
import { FrameReader, frame } from './transport/clients.js'

const LOOPBACK = [{ address: '127.0.0.1', port: 0 }]

describe('lifecycle verbs', () => {
  test('start() twice while starting or running returns the same promise; addresses() once bound', async () => {
    const engine = createEngine({ config: sampleConfig(), listen: LOOPBACK })
    expect(engine.addresses()).toEqual([])
    const first = engine.start()
    expect(engine.start()).toBe(first)
    await first
    expect(engine.start()).toBe(first)
    expect(engine.addresses()).toHaveLength(1)
    await engine.close()
  })

  test('close() twice returns the same promise; close() before start() resolves; start() after it rejects CLOSED', async () => {
    const engine = createEngine({ config: sampleConfig(), listen: LOOPBACK })
    const closing = engine.close()
    expect(engine.close()).toBe(closing)
    await closing
    const error = await engine.start().catch((e: unknown) => e)
    expect(isEngineError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'GSLB_ENGINE_CLOSED' })
    expect(() => engine.update(sampleConfig())).toThrow(
      expect.objectContaining({ code: 'GSLB_ENGINE_CLOSED' }),
    )
  })

  test('destroy() after close() and destroy() twice are no-ops; start() after destroy(error) rejects CLOSED with it as cause', async () => {
    const before = activeResources()
    const closed = createEngine({ config: sampleConfig(), listen: LOOPBACK })
    await closed.start()
    await closed.close()
    closed.destroy()
    closed.destroy()

    const engine = createEngine({ config: sampleConfig(), listen: LOOPBACK })
    await engine.start()
    const reason = new Error('operator pulled the plug')
    engine.destroy(reason)
    engine.destroy()
    await engine.close()
    expect(engine.addresses()).toEqual([])
    await expect(engine.start()).rejects.toMatchObject({ code: 'GSLB_ENGINE_CLOSED', cause: reason })
    expect(await leakedSince(before)).toEqual({})
  })

  test('close() while start() is binding: start rejects CLOSED and close resolves once nothing is bound', async () => {
    const before = activeResources()
    const engine = createEngine({
      config: sampleConfig(),
      listen: [...LOOPBACK, { address: '::1', port: 0 }],
    })
    const starting = engine.start().catch((error: unknown) => error)
    await engine.close()
    expect(await starting).toMatchObject({ code: 'GSLB_ENGINE_CLOSED' })
    expect(await leakedSince(before)).toEqual({})
  })

  test('start({ signal }) already aborted rejects with its reason and binds nothing', async () => {
    const engine = createEngine({ config: sampleConfig(), listen: LOOPBACK })
    const controller = new AbortController()
    controller.abort(new Error('not now'))
    await expect(engine.start({ signal: controller.signal })).rejects.toThrow('not now')
    expect(engine.addresses()).toEqual([])
    await engine.close()
  })

  test('Symbol.asyncDispose closes the engine', async () => {
    const engine = createEngine({ config: sampleConfig(), listen: LOOPBACK })
    await engine.start()
    await engine[Symbol.asyncDispose]()
    expect(engine.addresses()).toEqual([])
    await expect(engine.start()).rejects.toMatchObject({ code: 'GSLB_ENGINE_CLOSED' })
  })

  test('an engine without listeners answers without start(); start() resolves at once, binding nothing', async () => {
    const engine = createEngine({ config: sampleConfig() })
    expect(decode(engine.answer(query(ZONE, 'SOA'), { address: '127.0.0.1' })).rcode).toBe('NOERROR')
    await engine.start()
    expect(engine.addresses()).toEqual([])
    await engine.close()
  })

  test('bad options: an unknown option (a logger), a bad listen entry, a bad close deadline', async () => {
    expect(() => createEngine({ config: sampleConfig(), logger: console } as never)).toThrow(
      expect.objectContaining({ code: 'GSLB_ENGINE_OPTIONS_INVALID', path: 'logger' }),
    )
    expect(() =>
      createEngine({ config: sampleConfig(), listen: [...LOOPBACK, { address: '127.0.0.1' } as never] }),
    ).toThrow(expect.objectContaining({ code: 'GSLB_ENGINE_OPTIONS_INVALID', path: 'listen[1].port' }))
    expect(() =>
      createEngine({ config: sampleConfig(), listen: [{ ...LOOPBACK[0], protocols: ['udp'] } as never] }),
    ).toThrow(expect.objectContaining({ path: 'listen[0].protocols' }))
    const engine = createEngine({ config: sampleConfig() })
    await expect(engine.close({ deadlineMs: -1 })).rejects.toMatchObject({ path: 'deadlineMs' })
    // A refused close() changes nothing: the engine still runs, and a proper close() closes it.
    engine.update(sampleConfig())
    await engine.close()
    expect(() => engine.update(sampleConfig())).toThrow(
      expect.objectContaining({ code: 'GSLB_ENGINE_CLOSED' }),
    )
  })
})

describe('close() lets TCP answers in flight finish', () => {
  const QUERIES = 300

  /** A name whose TXT answer is ~48 KB, so a few answers fill the socket buffers of a client that does not read. */
  function bigAnswers(): EngineConfig {
    const config = sampleConfig()
    config.zones[ZONE]!.records!.push({ name: 'big', type: 'TXT', value: Array(12).fill('x'.repeat(4000)) })
    return config
  }

  /**
   * A client that pipelines QUERIES queries without reading, until the engine has stopped reading from it (its
   * unsent answers reached the high-water mark), then closes the engine and reads. Returns the answers it got.
   */
  async function answersAfterClose(options: {
    deadlineMs: number
    signal?: AbortSignal
  }): Promise<{ ids: number[]; ended: boolean }> {
    const engine = createEngine({
      config: bigAnswers(),
      listen: [{ address: '127.0.0.1', port: 0, udp: false }],
    })
    await engine.start()
    const [listener] = engine.addresses()
    const socket = net.connect({ host: '127.0.0.1', port: listener!.port })
    socket.pause()
    const reader = new FrameReader()
    let ended = false
    const closedSocket = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.on('data', (chunk: Buffer) => reader.push(chunk))
    socket.on('end', () => {
      ended = true
    })
    socket.on('error', () => {})
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    const queries = Array.from({ length: QUERIES }, (_, i) =>
      frame(query(`big.${ZONE}`, 'TXT', { id: i + 1 })),
    )
    socket.write(Buffer.concat(queries))
    await waitFor(() => listener!.stats.tcpReadPaused > 0, {
      what: 'the engine has stopped reading for a slow reader (answers in flight)',
      context: () => JSON.stringify(listener!.stats),
    })
    const closing = engine.close(options)
    socket.resume()
    await closing
    await closedSocket
    return { ids: reader.messages.map((message) => message.readUInt16BE(0)), ended }
  }

  test('every query received whole is answered, in order, then the connection ends (FIN)', async () => {
    const before = activeResources()
    const { ids, ended } = await answersAfterClose({ deadlineMs: 20_000 })
    expect(ids).toEqual(Array.from({ length: QUERIES }, (_, i) => i + 1))
    expect(ended).toBe(true)
    expect(await leakedSince(before)).toEqual({})
  })

  test('deadlineMs 0 destroys the connection at once: the answers not yet written are lost', async () => {
    const { ids } = await answersAfterClose({ deadlineMs: 0 })
    expect(ids.length).toBeLessThan(QUERIES)
  })

  test('an aborted signal cuts the graceful close short the same way', async () => {
    const controller = new AbortController()
    controller.abort()
    const { ids } = await answersAfterClose({ deadlineMs: 20_000, signal: controller.signal })
    expect(ids.length).toBeLessThan(QUERIES)
  })
})

describe('events', () => {
  test("a throwing handler becomes 'handler:error' { event, error }; the engine goes on", () => {
    const engine = createEngine({ config: sampleConfig() })
    const boom = new Error('handler bug')
    const reported: unknown[] = []
    const seen: string[] = []
    engine.on('member:change', () => {
      throw boom
    })
    engine.on('member:change', (e) => seen.push(`${e.pool}/${e.member} ${e.state}`))
    engine.on('handler:error', (e) => reported.push(e))
    expect(() => engine.setHealth('main', 'a', 'down')).not.toThrow()
    expect(reported).toEqual([{ event: 'member:change', error: boom }])
    expect(seen).toEqual(['main/a down'])
    expect(engine.members()[0]).toMatchObject({ member: 'a', effective: 'down' })
  })

  test("without a 'handler:error' listener (or when it throws too) the error becomes a process warning", () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      const engine = createEngine({ config: sampleConfig() })
      const boom = new Error('handler bug')
      engine.on('config:update', () => {
        throw boom
      })
      engine.update(sampleConfig())
      expect(warn).toHaveBeenCalledWith(boom)
      const second = new Error('error handler bug')
      engine.on('handler:error', () => {
        throw second
      })
      warn.mockClear()
      engine.update(sampleConfig())
      expect(warn.mock.calls).toEqual([[boom], [second]])
    } finally {
      warn.mockRestore()
    }
  })
})
