import { connect } from 'node:net'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import {
  createVerificationServer,
  type DicomError,
  decodeCommand,
  decodePdu,
  EXPLICIT_VR_LITTLE_ENDIAN,
  echo,
  encodeAssociateRq,
  encodeCEchoRq,
  encodeFragments,
  encodePData,
  encodeReleaseRq,
  IMPLICIT_VR_LITTLE_ENDIAN,
  type Pdu,
  PduFramer,
  VERIFICATION_SOP_CLASS,
  type VerificationServer,
  type VerificationServerOptions,
} from '../src/index.js'

const HOST = '127.0.0.1'
const CT = '1.2.840.10008.5.1.4.1.1.2'

interface Exchange {
  pdus: Pdu[]
  /** True when the server closed the connection (as opposed to our time limit ending the wait). */
  closedByServer: boolean
}

/** Sends raw bytes (one write each), collects the server's PDUs until it closes or `waitMs` passes. */
function exchange(port: number, sends: Buffer[], waitMs = 1_000): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port })
    const framer = new PduFramer({ maxPduLength: 1 << 20 })
    const pdus: Pdu[] = []
    let closedByServer = false
    const timer = setTimeout(() => socket.destroy(), waitMs)
    socket.on('connect', () => {
      for (const bytes of sends) socket.write(bytes)
    })
    socket.on('data', (chunk) => {
      for (const pdu of framer.push(chunk)) pdus.push(decodePdu(pdu))
    })
    socket.on('end', () => {
      closedByServer = true
    })
    socket.on('error', () => {
      closedByServer = true
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ pdus, closedByServer })
    })
  })
}

function request(
  contexts: { id: number; abstractSyntax: string; transferSyntaxes: string[] }[],
  extra: object = {},
) {
  return encodeAssociateRq({
    calledAE: 'PACS_MAIN',
    callingAE: 'CT_SCANNER_3',
    presentationContexts: contexts,
    userInformation: { maxLength: 0 },
    ...extra,
  })
}

const VERIFY = {
  id: 1,
  abstractSyntax: VERIFICATION_SOP_CLASS,
  transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN],
}

describe('verification server', () => {
  let before: Record<string, number> = {}
  beforeAll(() => {
    // Snapshot inside a hook: jest's own hook-timeout timer is then live both here and in afterAll.
    before = activeResources()
  })
  const servers: VerificationServer[] = []

  async function start(
    options: Partial<VerificationServerOptions> = {},
  ): Promise<{ server: VerificationServer; port: number }> {
    const server = createVerificationServer({ aeTitle: 'PACS_MAIN', host: HOST, port: 0, ...options })
    servers.push(server)
    await server.start()
    return { server, port: server.address()!.port }
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })

  afterAll(async () => {
    expect(await leakedSince(before)).toEqual({})
  })

  it('negotiates per presentation context: Verification accepted, others rejected with PS3.8 words', async () => {
    const { server, port } = await start()
    const accepted = new Promise((resolve) => server.once('association:accept', resolve))
    const { pdus } = await exchange(port, [
      request([
        { id: 1, abstractSyntax: CT, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
        { id: 3, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [EXPLICIT_VR_LITTLE_ENDIAN] },
        { id: 5, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: ['1.2.840.10008.1.2.4.70'] },
        {
          id: 7,
          abstractSyntax: VERIFICATION_SOP_CLASS,
          transferSyntaxes: [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN],
        },
      ]),
      encodeReleaseRq(),
    ])
    expect(pdus).toHaveLength(2)
    const ac = pdus[0]!
    if (ac.type !== 'A-ASSOCIATE-AC') throw new Error(`expected AC, got ${ac.type}`)
    expect(ac).toMatchObject({ calledAE: 'PACS_MAIN', callingAE: 'CT_SCANNER_3' })
    expect(ac.presentationContexts).toEqual([
      { id: 1, result: 'abstract-syntax-not-supported', transferSyntax: IMPLICIT_VR_LITTLE_ENDIAN },
      { id: 3, result: 'acceptance', transferSyntax: EXPLICIT_VR_LITTLE_ENDIAN },
      { id: 5, result: 'transfer-syntaxes-not-supported', transferSyntax: '1.2.840.10008.1.2.4.70' },
      { id: 7, result: 'acceptance', transferSyntax: IMPLICIT_VR_LITTLE_ENDIAN },
    ])
    expect(ac.userInformation).toEqual({
      maxLength: 16_384,
      implementationClassUID: expect.stringMatching(/^2\.25\.\d+$/),
      implementationVersionName: expect.any(String),
    })
    expect(pdus[1]).toEqual({ type: 'A-RELEASE-RP' })
    expect(await accepted).toMatchObject({
      callingAE: 'CT_SCANNER_3',
      calledAE: 'PACS_MAIN',
      remoteAddress: HOST,
    })
  })

  it('answers a fragmented C-ECHO-RQ with the message id and SOP class it was given', async () => {
    const { server, port } = await start()
    const echoed = new Promise((resolve) => server.once('echo:answer', resolve))
    const { pdus } = await exchange(port, [
      request([VERIFY]),
      ...encodeFragments(1, true, encodeCEchoRq({ messageId: 4242 }), 20),
      encodeReleaseRq(),
    ])
    const data = pdus.filter((p) => p.type === 'P-DATA-TF')
    const command = Buffer.concat(
      data.flatMap((p) => (p.type === 'P-DATA-TF' ? p.pdvs.map((v) => v.data) : [])),
    )
    expect(decodeCommand(command)).toMatchObject({
      commandField: 0x8030,
      messageIdBeingRespondedTo: 4242,
      status: 0,
      affectedSOPClassUID: VERIFICATION_SOP_CLASS,
    })
    expect(pdus.at(-1)).toEqual({ type: 'A-RELEASE-RP' })
    expect(await echoed).toMatchObject({ messageId: 4242, callingAE: 'CT_SCANNER_3' })
  })

  it('respects the requestor maximum length when answering', async () => {
    const { port } = await start()
    const rq = encodeAssociateRq({
      calledAE: 'PACS_MAIN',
      callingAE: 'CT',
      presentationContexts: [VERIFY],
      userInformation: { maxLength: 30 },
    })
    const { pdus } = await exchange(port, [
      rq,
      ...encodeFragments(1, true, encodeCEchoRq({ messageId: 1 }), 0),
      encodeReleaseRq(),
    ])
    const data = pdus.filter((p) => p.type === 'P-DATA-TF')
    expect(data.length).toBeGreaterThan(2)
    for (const pdu of data)
      expect(encodePData(pdu.type === 'P-DATA-TF' ? pdu.pdvs : []).length - 6).toBeLessThanOrEqual(30)
  })

  it.each([
    [{ protocolVersion: 2 }, 'service-provider-acse', 'protocol-version-not-supported'],
    [{ applicationContext: '1.2.3' }, 'service-user', 'application-context-name-not-supported'],
    [{ calledAE: 'NOT_ME' }, 'service-user', 'called-AE-title-not-recognized'],
  ])('rejects %j with %s / %s', async (extra, source, reason) => {
    const { server, port } = await start({ acceptCalledAE: false })
    const rejected = new Promise((resolve) => server.once('association:reject', resolve))
    const { pdus, closedByServer } = await exchange(port, [request([VERIFY], extra)])
    expect(pdus).toEqual([{ type: 'A-ASSOCIATE-RJ', result: 'rejected-permanent', source, reason }])
    expect(closedByServer).toBe(true)
    expect(await rejected).toMatchObject({ source, reason, callingAE: 'CT_SCANNER_3' })
  })

  it('rejects AE titles it could not echo back (all spaces, control characters)', async () => {
    const { port } = await start()
    const blankCalling = request([VERIFY])
    blankCalling.fill(0x20, 26, 42)
    expect((await exchange(port, [blankCalling])).pdus).toEqual([
      {
        type: 'A-ASSOCIATE-RJ',
        result: 'rejected-permanent',
        source: 'service-user',
        reason: 'calling-AE-title-not-recognized',
      },
    ])
    const controlCalled = request([VERIFY])
    controlCalled[12] = 0x07
    expect((await exchange(port, [controlCalled])).pdus).toEqual([
      {
        type: 'A-ASSOCIATE-RJ',
        result: 'rejected-permanent',
        source: 'service-user',
        reason: 'called-AE-title-not-recognized',
      },
    ])
  })

  it('aborts a request whose maximum length leaves no room for a response', async () => {
    const { port } = await start()
    const rq = encodeAssociateRq({
      calledAE: 'PACS_MAIN',
      callingAE: 'CT',
      presentationContexts: [VERIFY],
      userInformation: { maxLength: 6 },
    })
    expect((await exchange(port, [rq])).pdus).toEqual([
      { type: 'A-ABORT', source: 'service-provider', reason: 'invalid-PDU-parameter-value' },
    ])
  })

  it('accepts any called AE by default and the listed ones with a list', async () => {
    const any = await start()
    expect((await echo({ host: HOST, port: any.port, calledAE: 'WHATEVER' })).ok).toBe(true)
    const listed = await start({ acceptCalledAE: ['ALIAS_1', 'ALIAS_2'] })
    expect((await echo({ host: HOST, port: listed.port, calledAE: 'ALIAS_2' })).ok).toBe(true)
    expect((await echo({ host: HOST, port: listed.port, calledAE: 'PACS_MAIN' })).ok).toBe(true)
    expect((await echo({ host: HOST, port: listed.port, calledAE: 'OTHER' })).ok).toBe(false)
  })

  it('aborts (unrecognized-PDU) a peer that sends garbage and reports the error', async () => {
    const { server, port } = await start()
    const errors: DicomError[] = []
    server.on('connection:error', ({ error }) => errors.push(error))
    const { pdus, closedByServer } = await exchange(port, [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')])
    expect(pdus).toEqual([{ type: 'A-ABORT', source: 'service-provider', reason: 'unrecognized-PDU' }])
    expect(closedByServer).toBe(true)
    expect(errors.map((e) => e.code)).toEqual(['GSLB_DICOM_UNRECOGNIZED_PDU'])
  })

  it('aborts a PDU larger than maxPduLength without buffering it', async () => {
    const { server, port } = await start({ maxPduLength: 4_096 })
    const errors: string[] = []
    server.on('connection:error', ({ error }) => errors.push(error.code))
    const huge = encodePData([{ contextId: 1, command: true, last: true, data: Buffer.alloc(8_192) }])
    const { pdus } = await exchange(port, [request([VERIFY]), huge.subarray(0, 6)])
    expect(pdus.map((p) => p.type)).toEqual(['A-ASSOCIATE-AC', 'A-ABORT'])
    expect(pdus[1]).toMatchObject({ reason: 'invalid-PDU-parameter-value' })
    expect(errors).toEqual(['GSLB_DICOM_PDU_TOO_LARGE'])
  })

  it.each([
    [
      'P-DATA before the association',
      () => [
        encodePData([{ contextId: 1, command: true, last: true, data: encodeCEchoRq({ messageId: 1 }) }]),
      ],
      'unexpected-PDU',
    ],
    ['a second A-ASSOCIATE-RQ', () => [request([VERIFY]), request([VERIFY])], 'unexpected-PDU'],
    [
      'P-DATA on a rejected context',
      () => [request([VERIFY]), ...encodeFragments(3, true, encodeCEchoRq({ messageId: 1 }), 0)],
      'unexpected-PDU-parameter',
    ],
    [
      'a data set',
      () => [
        request([VERIFY]),
        encodePData([{ contextId: 1, command: false, last: true, data: Buffer.alloc(4) }]),
      ],
      'unexpected-PDU-parameter',
    ],
    [
      'a malformed command',
      () => [
        request([VERIFY]),
        encodePData([{ contextId: 1, command: true, last: true, data: Buffer.alloc(5) }]),
      ],
      'invalid-PDU-parameter-value',
    ],
    [
      'a C-STORE-RQ command',
      () => {
        const command = encodeCEchoRq({ messageId: 1 })
        command.writeUInt16LE(0x0001, 38 + 8)
        return [request([VERIFY]), encodePData([{ contextId: 1, command: true, last: true, data: command }])]
      },
      'unexpected-PDU-parameter',
    ],
  ])('aborts %s', async (_name, sends, reason) => {
    const { server, port } = await start()
    const aborted = new Promise((resolve) => server.once('association:abort', resolve))
    const { pdus, closedByServer } = await exchange(port, sends())
    expect(pdus.at(-1)).toEqual({ type: 'A-ABORT', source: 'service-provider', reason })
    expect(closedByServer).toBe(true)
    expect(await aborted).toMatchObject({ by: 'server' })
  })

  it('reports an abort by the peer', async () => {
    const { server, port } = await start()
    const aborted = new Promise((resolve) => server.once('association:abort', resolve))
    await exchange(port, [request([VERIFY]), Buffer.from([7, 0, 0, 0, 0, 4, 0, 0, 0, 0])])
    expect(await aborted).toMatchObject({
      by: 'peer',
      reason: 'aborted by the peer application',
      callingAE: 'CT_SCANNER_3',
    })
  })

  it('aborts an idle connection after idleTimeoutMs', async () => {
    const { server, port } = await start({ idleTimeoutMs: 150 })
    const aborted = new Promise((resolve) => server.once('association:abort', resolve))
    const started = Date.now()
    const { pdus, closedByServer } = await exchange(port, [], 5_000)
    expect(closedByServer).toBe(true)
    expect(Date.now() - started).toBeLessThan(4_000)
    expect(pdus).toEqual([{ type: 'A-ABORT', source: 'service-provider', reason: 'reason-not-specified' }])
    expect(await aborted).toMatchObject({ by: 'server', reason: 'no data from the peer for 150 ms' })
  })

  it('stops reading from a peer that never reads its responses, then ends it at the idle timeout', async () => {
    const { server, port } = await start({ idleTimeoutMs: 500 })
    let answered = 0
    server.on('echo:answer', () => answered++)
    const aborted = new Promise((resolve) => server.once('association:abort', resolve))
    const socket = connect({ host: HOST, port })
    socket.on('error', () => undefined)
    socket.pause() // never read
    const sent = 60_000
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(request([VERIFY]))
    const echoRq = encodeFragments(1, true, encodeCEchoRq({ messageId: 1 }), 0)[0]!
    socket.write(Buffer.concat(Array.from({ length: sent }, () => echoRq)))
    expect(await aborted).toMatchObject({
      by: 'server',
      reason: 'the peer read none of our responses for 500 ms',
    })
    socket.destroy()
    expect(answered).toBeGreaterThan(0)
    expect(answered).toBeLessThan(sent)
  })

  it('aborts a peer that trickles its request slower than idleTimeoutMs allows in total (ARTIM)', async () => {
    const { server, port } = await start({ idleTimeoutMs: 300 })
    const aborted = new Promise((resolve) => server.once('association:abort', resolve))
    const socket = connect({ host: HOST, port })
    socket.on('error', () => undefined)
    const rq = request([VERIFY])
    let sent = 0
    const trickle = setInterval(() => {
      if (sent < rq.length) socket.write(rq.subarray(sent, ++sent))
    }, 50)
    try {
      expect(await aborted).toMatchObject({
        by: 'server',
        reason: 'no complete A-ASSOCIATE-RQ within 300 ms',
      })
    } finally {
      clearInterval(trickle)
      socket.destroy()
    }
    expect(sent).toBeLessThan(rq.length)
  })

  it('rejects associations beyond maxConnections (transient, local-limit-exceeded) and recovers', async () => {
    const { server, port } = await start({ maxConnections: 1 })
    const holder = connect({ host: HOST, port })
    await new Promise((resolve) => server.once('connection:open', resolve))
    const result = await echo({ host: HOST, port, timeoutMs: 2_000 })
    expect(result).toMatchObject({
      ok: false,
      stage: 'associate',
      reason: 'association rejected by peer DICOM stack (presentation): local limit exceeded (transient)',
    })
    const holderPort = holder.localPort
    const closed = new Promise<void>((resolve) =>
      server.on('connection:close', ({ remotePort }) => remotePort === holderPort && resolve()),
    )
    holder.destroy()
    await closed
    expect(server.connections).toBeLessThanOrEqual(1) // the rejected echo's socket may still be closing
    expect((await echo({ host: HOST, port, timeoutMs: 2_000 })).ok).toBe(true)
  })

  it('close() aborts live associations, resolves, and is idempotent', async () => {
    const { server, port } = await start()
    const accepted = new Promise((resolve) => server.once('association:accept', resolve))
    const pending = exchange(port, [request([VERIFY])], 5_000)
    await accepted
    const first = server.close()
    expect(server.close()).toBe(first)
    await first
    const { pdus, closedByServer } = await pending
    expect(pdus.map((p) => p.type)).toEqual(['A-ASSOCIATE-AC', 'A-ABORT'])
    expect(closedByServer).toBe(true)
    expect(server.address()).toBeNull()
    await expect(server.start()).rejects.toMatchObject({ code: 'GSLB_DICOM_CLOSED' })
  })

  it('close() closes a connection that has not sent its request yet, promptly and without an A-ABORT', async () => {
    // PS3.8 Sta2 (awaiting A-ASSOCIATE-RQ): the acceptor just closes the transport connection (AA-2).
    const { server, port } = await start({ idleTimeoutMs: 30_000 })
    const opened = new Promise((resolve) => server.once('connection:open', resolve))
    const pending = exchange(port, [], 5_000)
    await opened
    const started = Date.now()
    await server.close({ deadlineMs: 5_000 })
    const { pdus, closedByServer } = await pending
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(pdus).toEqual([])
    expect(closedByServer).toBe(true)
  })

  it('close({ deadlineMs }) lets an association in progress finish its echo and release', async () => {
    const { server, port } = await start()
    const socket = connect({ host: HOST, port })
    const framer = new PduFramer()
    const pdus: string[] = []
    socket.on('data', (chunk) => {
      for (const pdu of framer.push(chunk)) pdus.push(decodePdu(pdu).type)
    })
    const closedByServer = new Promise((resolve) => socket.on('close', resolve))
    const accepted = new Promise((resolve) => server.once('association:accept', resolve))
    socket.write(request([VERIFY]))
    await accepted
    const closing = server.close({ deadlineMs: 5_000 })
    socket.write(
      Buffer.concat([...encodeFragments(1, true, encodeCEchoRq({ messageId: 1 }), 0), encodeReleaseRq()]),
    )
    await closedByServer
    await closing
    expect(pdus).toEqual(['A-ASSOCIATE-AC', 'P-DATA-TF', 'A-RELEASE-RP'])
  })

  it('close({ deadlineMs }) aborts an association that does not finish in time', async () => {
    const { server, port } = await start()
    const accepted = new Promise((resolve) => server.once('association:accept', resolve))
    const pending = exchange(port, [request([VERIFY])], 5_000)
    await accepted
    const started = Date.now()
    await server.close({ deadlineMs: 100 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(90)
    expect((await pending).pdus.map((p) => p.type)).toEqual(['A-ASSOCIATE-AC', 'A-ABORT'])
  })

  it('destroy() drops connections without a word on the wire', async () => {
    const { server, port } = await start()
    const accepted = new Promise((resolve) => server.once('association:accept', resolve))
    const pending = exchange(port, [request([VERIFY])], 5_000)
    await accepted
    server.destroy()
    await server.close()
    expect((await pending).pdus.map((p) => p.type)).toEqual(['A-ASSOCIATE-AC'])
  })

  it('close() refuses an invalid deadlineMs naming it', async () => {
    const { server } = await start()
    await expect(server.close({ deadlineMs: -1 })).rejects.toMatchObject({
      code: 'GSLB_DICOM_OPTIONS_INVALID',
      message: expect.stringContaining("'deadlineMs'"),
    })
  })

  it('fails to listen on a port in use with GSLB_DICOM_LISTEN_FAILED', async () => {
    const { port } = await start()
    const second = createVerificationServer({ aeTitle: 'X', host: HOST, port })
    await expect(second.start()).rejects.toMatchObject({ code: 'GSLB_DICOM_LISTEN_FAILED' })
    await second.close()
  })

  it.each([
    [{ aeTitle: '' }, 'aeTitle'],
    [{ aeTitle: 'A'.repeat(17) }, 'aeTitle'],
    [{ port: -1 }, 'port'],
    [{ port: 65_536 }, 'port'],
    [{ host: '' }, 'host'],
    [{ acceptCalledAE: 'PACS' }, 'acceptCalledAE'],
    [{ acceptCalledAE: ['OK', 'BAD\\'] }, 'acceptCalledAE[1]'],
    [{ maxPduLength: 100 }, 'maxPduLength'],
    [{ idleTimeoutMs: 0 }, 'idleTimeoutMs'],
    [{ maxConnections: 0 }, 'maxConnections'],
  ])('refuses %j naming %s', (extra, name) => {
    expect(() =>
      createVerificationServer({ aeTitle: 'PACS', host: HOST, port: 0, ...(extra as object) }),
    ).toThrow(
      expect.objectContaining({
        code: 'GSLB_DICOM_OPTIONS_INVALID',
        path: name,
        message: expect.stringContaining(`'${name}'`),
      }),
    )
  })
})
