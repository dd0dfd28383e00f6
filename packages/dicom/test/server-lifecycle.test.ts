import { connect, createServer, type Server } from 'node:net'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import {
  createVerificationServer,
  DicomErrorCode,
  decodePdu,
  echo,
  encodeAssociateRq,
  IMPLICIT_VR_LITTLE_ENDIAN,
  PduFramer,
  VERIFICATION_SOP_CLASS,
  type VerificationServer,
} from '../src/index.js'

const HOST = '127.0.0.1'

describe('verification server lifecycle', () => {
  let before: Record<string, number> = {}
  beforeAll(() => {
    before = activeResources()
  })
  const made: VerificationServer[] = []
  function make(port = 0): VerificationServer {
    const server = createVerificationServer({ aeTitle: 'PACS_MAIN', host: HOST, port })
    made.push(server)
    return server
  }
  afterEach(async () => {
    await Promise.all(made.splice(0).map((server) => server.close()))
  })
  afterAll(async () => {
    expect(await leakedSince(before)).toEqual({})
  })

  it('binds nothing until start(), which resolves void; address() then gives the port', async () => {
    const server = make()
    expect(server.address()).toBeNull()
    await expect(server.start()).resolves.toBeUndefined()
    expect(server.address()).toEqual({ address: HOST, port: expect.any(Number) })
    expect(await echo({ host: HOST, port: server.address()!.port, timeoutMs: 5_000 })).toMatchObject({
      ok: true,
    })
  })

  it('start() twice returns the same promise, while starting and once running', async () => {
    const server = make()
    const first = server.start()
    expect(server.start()).toBe(first)
    await first
    expect(server.start()).toBe(first)
  })

  it('close() twice returns the same promise and leaves nothing bound', async () => {
    const server = make()
    await server.start()
    const first = server.close()
    expect(server.close()).toBe(first)
    await first
    expect(server.close()).toBe(first)
    expect(server.address()).toBeNull()
  })

  it('close() on a server never started resolves; start() afterwards rejects with GSLB_DICOM_CLOSED', async () => {
    const server = make()
    await expect(server.close()).resolves.toBeUndefined()
    await expect(server.start()).rejects.toMatchObject({ name: 'DicomError', code: DicomErrorCode.CLOSED })
    expect(server.address()).toBeNull()
  })

  it('start() after close() of a running server rejects with GSLB_DICOM_CLOSED', async () => {
    const server = make()
    await server.start()
    await server.close()
    await expect(server.start()).rejects.toMatchObject({ code: DicomErrorCode.CLOSED })
  })

  it('close() while start() is binding rejects that start() with GSLB_DICOM_CLOSED and unbinds', async () => {
    const server = make()
    const starting = server.start()
    const closing = server.close()
    await expect(starting).rejects.toMatchObject({ code: DicomErrorCode.CLOSED })
    await closing
    expect(server.address()).toBeNull()
  })

  it('destroy() is idempotent, also after close(), and start() after it rejects with GSLB_DICOM_CLOSED', async () => {
    const server = make()
    await server.start()
    const closing = server.close()
    server.destroy()
    server.destroy()
    await closing
    expect(server.close()).toBe(closing)
    await expect(server.start()).rejects.toMatchObject({ code: DicomErrorCode.CLOSED })
  })

  it('destroy() before start() makes start() reject with GSLB_DICOM_CLOSED', async () => {
    const server = make()
    server.destroy()
    await expect(server.start()).rejects.toMatchObject({ code: DicomErrorCode.CLOSED })
    await server.close()
  })

  it('destroy(error) while start() is binding rejects that start() with the error', async () => {
    const server = make()
    const starting = server.start()
    const error = new Error('operator pulled the plug')
    server.destroy(error)
    await expect(starting).rejects.toBe(error)
    await server.close()
    expect(server.address()).toBeNull()
  })

  it('start({ signal }) with an aborted signal rejects with its reason and binds nothing; start() may follow', async () => {
    const server = make()
    const reason = new Error('gave up')
    await expect(server.start({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(server.address()).toBeNull()
    await server.start()
    expect(await echo({ host: HOST, port: server.address()!.port, timeoutMs: 5_000 })).toMatchObject({
      ok: true,
    })
  })

  it('start({ signal }) aborted while binding rejects with the reason and lets the port go again', async () => {
    const server = make()
    const controller = new AbortController()
    const starting = server.start({ signal: controller.signal })
    const reason = new Error('deadline')
    controller.abort(reason)
    await expect(starting).rejects.toBe(reason)
    await waitFor(() => server.address() === null, { what: 'the aborted bind let the port go' })
    const again = server.start()
    expect(again).not.toBe(starting)
    await again
    expect(server.address()).not.toBeNull()
  })

  it('a start() after an aborted one, while the bind is still in flight, waits for that bind', async () => {
    const server = make()
    const controller = new AbortController()
    const aborted = server.start({ signal: controller.signal })
    controller.abort(new Error('changed my mind'))
    const again = server.start()
    await expect(aborted).rejects.toThrow('changed my mind')
    await again
    expect(server.address()).not.toBeNull()
    expect(server.start()).toBe(again)
  })

  it('close() after an aborted start() resolves and leaves nothing bound', async () => {
    const server = make()
    const controller = new AbortController()
    const aborted = server.start({ signal: controller.signal })
    controller.abort(new Error('x'))
    await server.close()
    await expect(aborted).rejects.toThrow('x')
    expect(server.address()).toBeNull()
    await expect(server.start()).rejects.toMatchObject({ code: DicomErrorCode.CLOSED })
  })

  it('start({ signal }) no longer governs a running server once it resolved', async () => {
    const server = make()
    const controller = new AbortController()
    await server.start({ signal: controller.signal })
    controller.abort()
    expect(server.address()).not.toBeNull()
    expect(await echo({ host: HOST, port: server.address()!.port, timeoutMs: 5_000 })).toMatchObject({
      ok: true,
    })
  })

  it('refuses a start() or close() option of the wrong type, naming it in path', async () => {
    const server = make()
    await expect(server.start({ signal: 'soon' as unknown as AbortSignal })).rejects.toMatchObject({
      code: DicomErrorCode.OPTIONS_INVALID,
      path: 'signal',
    })
    await expect(server.close({ deadlineMs: 1.5 })).rejects.toMatchObject({
      code: DicomErrorCode.OPTIONS_INVALID,
      path: 'deadlineMs',
    })
  })

  it('a failed bind rejects with GSLB_DICOM_LISTEN_FAILED and start() may be called again', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, HOST, resolve))
    const port = (blocker.address() as { port: number }).port
    const server = make(port)
    const failed = server.start()
    const error = await failed.catch((e: unknown) => e)
    await new Promise((resolve) => blocker.close(resolve))
    expect(error).toMatchObject({
      code: DicomErrorCode.LISTEN_FAILED,
      message: expect.stringContaining(`:${port}`),
    })
    expect((error as Error).cause).toMatchObject({ code: 'EADDRINUSE' })
    const retried = server.start()
    expect(retried).not.toBe(failed)
    await retried
    expect(server.address()?.port).toBe(port)
  })

  it('[Symbol.asyncDispose]() closes the server', async () => {
    const server = make()
    await server.start()
    await server[Symbol.asyncDispose]()
    expect(server.address()).toBeNull()
    await expect(server.start()).rejects.toMatchObject({ code: DicomErrorCode.CLOSED })
  })

  it("a failure of the bound listener (EMFILE on accept) is 'listener:error', not a crash; serving goes on", async () => {
    const server = make()
    await server.start()
    const reported: { listen: string; error: Error }[] = []
    server.on('listener:error', (e) => reported.push(e))
    const error = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' })
    // Node's net.Server emits accept failures as 'error' on itself; reach the one inside to do the same.
    ;(server as unknown as { server: Server }).server.emit('error', error)
    const { port } = server.address()!
    expect(reported).toEqual([{ listen: `${HOST}:${port}`, error }])
    expect(await echo({ host: HOST, port, timeoutMs: 5_000 })).toMatchObject({ ok: true })
  })

  it('close({ signal }) cuts the deadline short: the association in progress gets its A-ABORT at once', async () => {
    const server = make()
    await server.start()
    const accepted = new Promise((resolve) => server.once('association:accept', resolve))
    const received = associate(server.address()!.port)
    await accepted
    const controller = new AbortController()
    const closing = server.close({ deadlineMs: 60_000, signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    await closing
    expect(await received).toEqual(['A-ASSOCIATE-AC', 'A-ABORT'])
  })
})

describe("verification server events: a throwing listener ('handler:error')", () => {
  let server: VerificationServer
  let port = 0
  beforeEach(async () => {
    server = createVerificationServer({ aeTitle: 'PACS_MAIN', host: HOST, port: 0 })
    await server.start()
    port = server.address()!.port
  })
  afterEach(async () => {
    jest.restoreAllMocks()
    await server.close()
  })

  it("is reported as 'handler:error' { event, error }; the other listeners and the C-ECHO go on", async () => {
    const thrown = new Error('listener bug')
    const reported: { event: string; error: Error }[] = []
    const answered: number[] = []
    server.on('association:accept', () => {
      throw thrown
    })
    server.on('echo:answer', (e) => answered.push(e.messageId))
    server.on('handler:error', (e) => reported.push(e))
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    expect(await echo({ host: HOST, port, timeoutMs: 5_000 })).toMatchObject({ ok: true })
    expect(reported).toEqual([{ event: 'association:accept', error: thrown }])
    expect(answered).toHaveLength(1)
    expect(warn).not.toHaveBeenCalled()
  })

  it("becomes a process warning when nobody listens to 'handler:error'", async () => {
    const thrown = new Error('listener bug')
    server.once('connection:open', () => {
      throw thrown
    })
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    expect(await echo({ host: HOST, port, timeoutMs: 5_000 })).toMatchObject({ ok: true })
    expect(warn).toHaveBeenCalledWith(thrown)
  })

  it("becomes process warnings (both errors) when the 'handler:error' listener throws too", async () => {
    const thrown = new Error('listener bug')
    const again = new Error('handler bug')
    server.on('echo:answer', () => {
      throw thrown
    })
    server.on('handler:error', () => {
      throw again
    })
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    expect(await echo({ host: HOST, port, timeoutMs: 5_000 })).toMatchObject({ ok: true })
    expect(warn.mock.calls).toEqual([[thrown], [again]])
  })

  it('never throws from the warning itself: an Error that emitWarning refuses is warned as text', async () => {
    const foreign = { name: 'ForeignError', message: 'from another realm', code: 'E_FOREIGN', stack: 'at x' }
    server.on('echo:answer', () => {
      throw Object.assign(Object.create(Error.prototype), foreign)
    })
    const warn = jest.spyOn(process, 'emitWarning').mockImplementationOnce(() => {
      throw new TypeError('The "warning" argument must be of type string or an instance of Error')
    })
    warn.mockImplementation(() => {})
    expect(await echo({ host: HOST, port, timeoutMs: 5_000 })).toMatchObject({ ok: true })
    expect(warn).toHaveBeenLastCalledWith('from another realm', {
      type: 'ForeignError',
      code: 'E_FOREIGN',
      detail: 'at x',
    })
  })

  it('describes a thrown value whose toString throws', async () => {
    const reported: Error[] = []
    server.on('echo:answer', () => {
      throw Object.create(null)
    })
    server.on('handler:error', (e) => reported.push(e.error))
    expect(await echo({ host: HOST, port, timeoutMs: 5_000 })).toMatchObject({ ok: true })
    expect(reported[0]?.message).toBe('a listener threw a non-Error: [object Object]')
  })

  it('wraps a thrown non-Error in an Error', async () => {
    const reported: Error[] = []
    server.on('association:release', () => {
      throw 'a string'
    })
    server.on('handler:error', (e) => reported.push(e.error))
    expect(await echo({ host: HOST, port, timeoutMs: 5_000 })).toMatchObject({ ok: true })
    expect(reported).toHaveLength(1)
    expect(reported[0]).toBeInstanceOf(Error)
    expect(reported[0]!.message).toContain('a string')
  })
})

/** Associates (Verification) and collects the server's PDU types until it closes the connection. */
function associate(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port })
    const framer = new PduFramer()
    const types: string[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server did not close within 10 s (got ${types.join(', ')})`))
    }, 10_000)
    socket.on('data', (chunk) => {
      for (const pdu of framer.push(chunk)) types.push(decodePdu(pdu).type)
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(types)
    })
    socket.write(
      encodeAssociateRq({
        calledAE: 'PACS_MAIN',
        callingAE: 'CT_SCANNER_3',
        presentationContexts: [
          { id: 1, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
        ],
        userInformation: { maxLength: 0 },
      }),
    )
  })
}
