import type { Socket } from 'node:net'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import {
  createVerificationServer,
  decodePdu,
  echo,
  encodeAbort,
  encodeAssociateAc,
  encodeAssociateRj,
  encodeCEchoRq,
  encodeCEchoRsp,
  encodeFragments,
  encodePData,
  encodeReleaseRp,
  encodeReleaseRq,
  IMPLICIT_VR_LITTLE_ENDIAN,
  PduFramer,
  type VerificationServer,
} from '../src/index.js'
import { prng, type RawPeer, randomBytes, rawPeer } from './helpers.js'

const HOST = '127.0.0.1'

describe('echo() against our verification server', () => {
  let server: VerificationServer
  let port: number
  let before: Record<string, number> = {}
  beforeAll(() => {
    // Snapshot inside a hook: jest's own hook-timeout timer is then live both here and in afterAll.
    before = activeResources()
  })

  beforeAll(async () => {
    server = createVerificationServer({
      aeTitle: 'PACS_MAIN',
      host: HOST,
      port: 0,
      acceptCalledAE: ['PACS_ALIAS'],
    })
    await server.start()
    port = server.address()!.port
  })

  afterAll(async () => {
    await server.close()
    expect(await leakedSince(before)).toEqual({})
  })

  it('succeeds: associate, C-ECHO status 0, release', async () => {
    const events: string[] = []
    const onAccept = () => events.push('accept')
    const onEcho = () => events.push('echo')
    const onRelease = () => events.push('release')
    server.on('association:accept', onAccept).on('echo:answer', onEcho).on('association:release', onRelease)
    const result = await echo({
      host: HOST,
      port,
      callingAE: 'CT_SCANNER_3',
      calledAE: 'PACS_MAIN',
      timeoutMs: 2_000,
    })
    server
      .off('association:accept', onAccept)
      .off('echo:answer', onEcho)
      .off('association:release', onRelease)
    expect(result).toMatchObject({ ok: true, stage: 'release', status: 0 })
    expect(result.reason).toBe('C-ECHO succeeded and the association was released')
    expect(result.rttMs).toBeGreaterThan(0)
    expect(result.rttMs).toBeLessThan(2_000)
    expect(events).toEqual(['accept', 'echo', 'release'])
  })

  it('accepts an extra called AE from acceptCalledAE', async () => {
    const result = await echo({ host: HOST, port, callingAE: 'CT', calledAE: 'PACS_ALIAS', timeoutMs: 2_000 })
    expect(result.ok).toBe(true)
  })

  it('is rejected for an unknown called AE, with the PS3.8 words in the reason', async () => {
    const rejected = new Promise((resolve) => server.once('association:reject', resolve))
    const result = await echo({ host: HOST, port, callingAE: 'CT', calledAE: 'WRONG', timeoutMs: 2_000 })
    expect(result).toEqual({
      ok: false,
      stage: 'associate',
      rttMs: expect.any(Number),
      reason: 'association rejected by called AE: called AE title not recognized (permanent)',
    })
    expect(await rejected).toMatchObject({
      calledAE: 'WRONG',
      callingAE: 'CT',
      result: 'rejected-permanent',
      source: 'service-user',
      reason: 'called-AE-title-not-recognized',
    })
  })

  it('works over IPv6 loopback and with a host name', async () => {
    const v6 = createVerificationServer({ aeTitle: 'PACS_MAIN', host: '::1', port: 0 })
    await v6.start()
    const v6port = v6.address()!.port
    try {
      const result = await echo({ host: '::1', port: v6port, timeoutMs: 2_000 })
      expect(result).toMatchObject({ ok: true })
    } finally {
      await v6.close()
    }
    expect((await echo({ host: 'localhost', port, calledAE: 'PACS_MAIN', timeoutMs: 2_000 })).ok).toBe(true)
  })

  it('runs many echoes concurrently', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => echo({ host: HOST, port, calledAE: 'PACS_MAIN', timeoutMs: 5_000 })),
    )
    expect(results.every((r) => r.ok)).toBe(true)
  })
})

describe('echo() failure stages', () => {
  let before: Record<string, number> = {}
  beforeAll(() => {
    // Snapshot inside a hook: jest's own hook-timeout timer is then live both here and in afterAll.
    before = activeResources()
  })
  let peer: RawPeer | undefined

  afterEach(async () => {
    await peer?.close()
    peer = undefined
  })

  afterAll(async () => {
    expect(await leakedSince(before)).toEqual({})
  })

  it('fails at tcp when nothing listens', async () => {
    peer = await rawPeer(() => undefined)
    const { port } = peer
    await peer.close()
    peer = undefined
    const result = await echo({ host: HOST, port, timeoutMs: 2_000 })
    expect(result).toMatchObject({ ok: false, stage: 'tcp' })
    expect(result.reason).toBe(
      `TCP connection to 127.0.0.1:${port} refused (nothing listening on that port?)`,
    )
  })

  it('fails at associate within the timeout when the peer accepts TCP and stays silent', async () => {
    peer = await rawPeer(() => undefined)
    const started = Date.now()
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 300 })
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(result).toMatchObject({ ok: false, stage: 'associate' })
    expect(result.reason).toBe(
      'peer accepted the TCP connection but sent no association response within 300 ms',
    )
    expect(peer.sockets.size).toBeLessThanOrEqual(1)
  })

  it('fails at associate when the peer sends random bytes', async () => {
    const random = prng(7)
    peer = await rawPeer((socket) =>
      socket.write(Buffer.concat([Buffer.from('HTTP/1.1 400 Bad\r\n'), randomBytes(random, 64)])),
    )
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toMatchObject({ ok: false, stage: 'associate' })
    expect(result.reason).toMatch(
      /^peer sent bytes that are not DICOM during the associate stage: unrecognized PDU type 0x48/,
    )
  })

  it('fails at associate when the peer closes in the middle of a PDU', async () => {
    peer = await rawPeer((socket) => {
      socket.once('data', () => socket.end(Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x44, 0x00, 0x01])))
    })
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toEqual({
      ok: false,
      stage: 'associate',
      rttMs: expect.any(Number),
      reason: 'peer closed the connection in the middle of a PDU (8 of 74 bytes received)',
    })
  })

  it('fails at associate when the peer closes without answering', async () => {
    peer = await rawPeer((socket) => socket.once('data', () => socket.end()))
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result.reason).toBe('peer closed the connection without answering the association request')
  })

  it('reports an A-ABORT from the peer', async () => {
    peer = await rawPeer((socket) =>
      socket.once('data', () =>
        socket.write(encodeAbort({ source: 'service-provider', reason: 'unexpected-PDU' })),
      ),
    )
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toMatchObject({ ok: false, stage: 'associate' })
    expect(result.reason).toBe('association aborted by peer DICOM stack: unexpected PDU')
  })

  it('reports a transient rejection by the provider', async () => {
    peer = await rawPeer((socket) =>
      socket.once('data', () =>
        socket.write(
          encodeAssociateRj({
            result: 'rejected-transient',
            source: 'service-provider-presentation',
            reason: 'local-limit-exceeded',
          }),
        ),
      ),
    )
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result.reason).toBe(
      'association rejected by peer DICOM stack (presentation): local limit exceeded (transient)',
    )
  })

  /** Answers the association, then hands every later PDU to `then`. */
  function scripted(then: (socket: Socket, pdu: ReturnType<typeof decodePdu>) => void, accept = true) {
    return rawPeer((socket) => {
      const framer = new PduFramer({ maxPduLength: 65_536 })
      socket.on('data', (chunk) => {
        for (const bytes of framer.push(chunk)) {
          const pdu = decodePdu(bytes)
          if (pdu.type === 'A-ASSOCIATE-RQ') {
            socket.write(
              encodeAssociateAc({
                calledAE: pdu.calledAE,
                callingAE: pdu.callingAE,
                presentationContexts: [
                  accept
                    ? { id: 1, result: 'acceptance', transferSyntax: IMPLICIT_VR_LITTLE_ENDIAN }
                    : { id: 1, result: 'abstract-syntax-not-supported' },
                ],
                userInformation: { maxLength: 0 },
              }),
            )
          } else then(socket, pdu)
        }
      })
    })
  }

  it('fails at associate when Verification is not accepted', async () => {
    peer = await scripted(() => undefined, false)
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toMatchObject({ ok: false, stage: 'associate' })
    expect(result.reason).toBe(
      'the peer does not accept Verification (C-ECHO): presentation context abstract-syntax-not-supported',
    )
  })

  it('fails at echo when the C-ECHO is never answered', async () => {
    peer = await scripted(() => undefined)
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 300 })
    expect(result).toMatchObject({ ok: false, stage: 'echo' })
    expect(result.reason).toBe('association accepted but no C-ECHO response within 300 ms')
  })

  it('fails at echo with the status of a failed C-ECHO-RSP', async () => {
    peer = await scripted((socket, pdu) => {
      if (pdu.type !== 'P-DATA-TF') return
      for (const out of encodeFragments(
        1,
        true,
        encodeCEchoRsp({ messageIdBeingRespondedTo: 1, status: 0x0122 }),
        0,
      )) {
        socket.write(out)
      }
    })
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toMatchObject({ ok: false, stage: 'echo', status: 0x0122 })
    expect(result.reason).toBe(
      'C-ECHO answered with failure status 0x0122 (refused: SOP class not supported)',
    )
  })

  it('succeeds with a note when the peer closes instead of confirming the release', async () => {
    peer = await scripted((socket, pdu) => {
      if (pdu.type === 'P-DATA-TF') {
        for (const out of encodeFragments(1, true, encodeCEchoRsp({ messageIdBeingRespondedTo: 1 }), 40)) {
          socket.write(out)
        }
      } else if (pdu.type === 'A-RELEASE-RQ') socket.end()
    })
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toMatchObject({ ok: true, stage: 'release', status: 0 })
    expect(result.reason).toBe(
      'C-ECHO succeeded but the release was not confirmed: the peer closed the connection instead of confirming the release',
    )
  })

  it('handles a release answered normally by a scripted peer (fragmented C-ECHO-RSP)', async () => {
    peer = await scripted((socket, pdu) => {
      if (pdu.type === 'P-DATA-TF') {
        for (const out of encodeFragments(1, true, encodeCEchoRsp({ messageIdBeingRespondedTo: 1 }), 16)) {
          socket.write(out)
        }
      } else if (pdu.type === 'A-RELEASE-RQ') socket.end(encodeReleaseRp())
    })
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toMatchObject({ ok: true, stage: 'release', status: 0 })
  })

  function respondWith(command: Buffer, pdvExtra: { contextId?: number; command?: boolean } = {}) {
    return scripted((socket, pdu) => {
      if (pdu.type !== 'P-DATA-TF') return
      socket.write(
        encodePData([
          {
            contextId: pdvExtra.contextId ?? 1,
            command: pdvExtra.command ?? true,
            last: true,
            data: command,
          },
        ]),
      )
    })
  }

  it.each([
    [
      'a response to another message',
      () => respondWith(encodeCEchoRsp({ messageIdBeingRespondedTo: 2 })),
      'C-ECHO-RSP answers message 2, not 1',
    ],
    [
      'a C-ECHO-RQ instead of a response',
      () => respondWith(encodeCEchoRq({ messageId: 1 })),
      'expected a C-ECHO-RSP (0x8030), got command 0x0030',
    ],
    [
      'a malformed command',
      () => respondWith(Buffer.from([1, 2, 3])),
      'peer sent a malformed C-ECHO response: command set: tag element needs 2 byte(s) but only 1 remain (at byte 2)',
    ],
    [
      'a data set',
      () => respondWith(encodeCEchoRsp({ messageIdBeingRespondedTo: 1 }), { command: false }),
      'peer sent a data set while a C-ECHO response (which has none) was expected',
    ],
    [
      'another presentation context',
      () => respondWith(encodeCEchoRsp({ messageIdBeingRespondedTo: 1 }), { contextId: 3 }),
      'peer answered on presentation context 3, which was never proposed',
    ],
    [
      'a release request',
      () => scripted((socket) => socket.write(encodeReleaseRq())),
      'peer asked to release the association before answering the C-ECHO',
    ],
    [
      'a second association response',
      () =>
        scripted((socket) =>
          socket.write(
            encodeAssociateRj({
              result: 'rejected-permanent',
              source: 'service-user',
              reason: 'no-reason-given',
            }),
          ),
        ),
      'unexpected A-ASSOCIATE-RJ while waiting for the C-ECHO response',
    ],
    [
      'garbage',
      () => scripted((socket) => socket.write(Buffer.from([0x99, 1, 2]))),
      'peer sent bytes that are not DICOM during the echo stage: unrecognized PDU type 0x99',
    ],
    [
      'a malformed PDU',
      () => scripted((socket) => socket.write(Buffer.from([0x05, 0, 0, 0, 0, 0]))),
      'peer sent a malformed PDU during the echo stage: A-RELEASE-RQ: length must be 4, got 0',
    ],
    [
      'a close',
      () => scripted((socket) => socket.end()),
      'peer closed the connection before answering the C-ECHO',
    ],
  ])('fails at echo when the peer sends %s', async (_name, makePeer, reason) => {
    peer = await makePeer()
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toEqual({ ok: false, stage: 'echo', rttMs: expect.any(Number), reason })
  })

  it('fails at associate on an unexpected PDU (a P-DATA before the AC)', async () => {
    peer = await rawPeer((socket) =>
      socket.once('data', () =>
        socket.write(encodePData([{ contextId: 1, command: true, last: true, data: Buffer.alloc(2) }])),
      ),
    )
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
    expect(result).toMatchObject({
      ok: false,
      stage: 'associate',
      reason: 'unexpected P-DATA-TF while waiting for the association response',
    })
  })

  it('sends an A-ABORT to the peer when it gives up', async () => {
    const received: Buffer[] = []
    peer = await rawPeer((socket) => socket.on('data', (chunk) => received.push(chunk)))
    await echo({ host: HOST, port: peer.port, timeoutMs: 200 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const bytes = Buffer.concat(received)
    expect(bytes[0]).toBe(0x01)
    expect([...bytes.subarray(bytes.length - 10)]).toEqual([7, 0, 0, 0, 0, 4, 0, 0, 0, 0])
  })

  it.each([
    ['bytes that are not DICOM', () => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), 1],
    ['an unexpected PDU', () => encodeReleaseRp(), 2],
    ['a malformed PDU', () => Buffer.from([2, 0, 0, 0, 0, 2, 0, 1]), 6],
  ])(
    'aborts as the service provider, with the PS3.8 reason, when the peer sends %s',
    async (_name, reply, reason) => {
      const received: Buffer[] = []
      peer = await rawPeer((socket) =>
        socket.on('data', (chunk) => {
          if (received.length === 0) socket.write(reply())
          received.push(chunk)
        }),
      )
      const result = await echo({ host: HOST, port: peer.port, timeoutMs: 2_000 })
      expect(result).toMatchObject({ ok: false, stage: 'associate' })
      await new Promise((resolve) => setTimeout(resolve, 50))
      const bytes = Buffer.concat(received)
      // A-ABORT: type 7, length 4, reserved, reserved, source 2 (service provider), reason.
      expect([...bytes.subarray(bytes.length - 10)]).toEqual([7, 0, 0, 0, 0, 4, 0, 0, 2, reason])
    },
  )

  it('resolves (does not reject) when the caller aborts', async () => {
    peer = await rawPeer(() => undefined)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 5_000, signal: controller.signal })
    expect(result).toMatchObject({
      ok: false,
      stage: 'associate',
      reason: 'cancelled by the caller during the associate stage',
    })
  })

  it('accepts a fractional timeout (rounded up to whole milliseconds)', async () => {
    peer = await rawPeer(() => undefined)
    const result = await echo({ host: HOST, port: peer.port, timeoutMs: 50.2 })
    expect(result.reason).toBe(
      'peer accepted the TCP connection but sent no association response within 51 ms',
    )
  })

  it('does not connect when the signal is already aborted', async () => {
    const result = await echo({ host: HOST, port: 1, signal: AbortSignal.abort() })
    expect(result).toMatchObject({
      ok: false,
      stage: 'tcp',
      reason: 'cancelled by the caller before connecting',
    })
  })
})

describe('echo() option validation', () => {
  it.each([
    [{ host: '', port: 104 }, 'host'],
    [{ host: HOST, port: 0 }, 'port'],
    [{ host: HOST, port: 70_000 }, 'port'],
    [{ host: HOST, port: 104, callingAE: '' }, 'callingAE'],
    [{ host: HOST, port: 104, callingAE: 'A'.repeat(17) }, 'callingAE'],
    [{ host: HOST, port: 104, calledAE: 'BAD\\AE' }, 'calledAE'],
    [{ host: HOST, port: 104, calledAE: 'TAB\tAE' }, 'calledAE'],
    [{ host: HOST, port: 104, calledAE: '    ' }, 'calledAE'],
    [{ host: HOST, port: 104, timeoutMs: 0 }, 'timeoutMs'],
    [{ host: HOST, port: 104, timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ host: HOST, port: 104, timeoutMs: 600_001 }, 'timeoutMs'],
    [{ host: HOST, port: 104, timeoutMs: '100' }, 'timeoutMs'],
    [null, 'options'],
    [{ host: HOST, port: 104, signal: {} }, 'signal'],
    [{ host: HOST, port: 104, maxPduLength: 10 }, 'maxPduLength'],
  ])('rejects %j naming %s', async (options, name) => {
    await expect(echo(options as never)).rejects.toMatchObject({
      name: 'DicomError',
      code: 'GSLB_DICOM_OPTIONS_INVALID',
      message: expect.stringContaining(`'${name}'`),
    })
  })
})
