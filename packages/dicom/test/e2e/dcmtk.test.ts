import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { activeResources, leakedSince } from '../../../../test/support/handles.js'
import { requirePeer } from '../../../../test/support/peers.js'
import { freePort } from '../../../../test/support/ports.js'
import { createVerificationServer, echo, sniffAssociation, type VerificationServer } from '../../src/index.js'

const HOST = '127.0.0.1'
let before: Record<string, number> = {}
beforeAll(() => {
  // Snapshot inside a hook: jest's own hook-timeout timer is then live both here and in afterAll.
  before = activeResources()
})

afterAll(async () => {
  // Peers are killed and awaited, servers closed, sockets destroyed: nothing of ours stays open.
  expect(await leakedSince(before, 2_000)).toEqual({})
})

/** Polls TCP connect until the peer listens (bounded: 100 tries, 50 ms apart). */
async function waitForListening(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`peer exited early with code ${child.exitCode}`)
    const ready = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: HOST, port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ready) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`peer did not listen on ${port} within 5 s`)
}

async function startPeer(binary: string, args: string[], port: number, cwd: string): Promise<ChildProcess> {
  const child = spawn(binary, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.resume()
  child.stderr?.resume()
  await waitForListening(port, child)
  return child
}

async function stopPeer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
  await exited
  clearTimeout(timer)
}

function run(binary: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, output: `${stdout}${stderr}` })
    })
  })
}

describe('echo() against dcmtk SCPs', () => {
  let storescp: ChildProcess | undefined
  let dcmqrscp: ChildProcess | undefined
  let storePort: number
  let qrPort: number
  let dir: string

  beforeAll(async () => {
    const storescpPath = requirePeer('storescp', 'dcmtk')
    const dcmqrscpPath = requirePeer('dcmqrscp', 'dcmtk')
    dir = mkdtempSync(join(tmpdir(), 'gslb-dicom-e2e-'))
    storePort = await freePort(HOST)
    storescp = await startPeer(
      storescpPath,
      ['-aet', 'PACS_MAIN', '-od', dir, String(storePort)],
      storePort,
      dir,
    )
    // storescp (dcmtk 3.6.7) answers any called AE title; dcmqrscp checks it against its AETable.
    qrPort = await freePort(HOST)
    const config = join(dir, 'dcmqrscp.cfg')
    writeFileSync(
      config,
      [
        `NetworkTCPPort = ${qrPort}`,
        'MaxPDUSize = 16384',
        'MaxAssociations = 16',
        'HostTable BEGIN',
        'HostTable END',
        'VendorTable BEGIN',
        'VendorTable END',
        'AETable BEGIN',
        `PACS_QR ${dir} RW (10, 1024mb) ANY`,
        'AETable END',
        '',
      ].join('\n'),
    )
    // Fork mode: dcmqrscp 3.6.7 crashes after an association in --single-process mode.
    dcmqrscp = await startPeer(dcmqrscpPath, ['-c', config, String(qrPort)], qrPort, dir)
  })

  afterAll(async () => {
    await stopPeer(storescp)
    await stopPeer(dcmqrscp)
    rmSync(dir, { recursive: true, force: true })
  })

  it('verifies storescp', async () => {
    const result = await echo({
      host: HOST,
      port: storePort,
      callingAE: 'GSLB_E2E',
      calledAE: 'PACS_MAIN',
      timeoutMs: 5_000,
    })
    expect(result).toMatchObject({ ok: true, stage: 'release', status: 0 })
    expect(result.reason).toBe('C-ECHO succeeded and the association was released')
  })

  it('verifies storescp repeatedly and concurrently', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        echo({ host: HOST, port: storePort, calledAE: 'PACS_MAIN', timeoutMs: 10_000 }),
      ),
    )
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true])
  })

  it('reports the rejection of a storescp started with --refuse', async () => {
    const refusePort = await freePort(HOST)
    const refusing = await startPeer(
      requirePeer('storescp', 'dcmtk'),
      ['--refuse', '-od', dir, String(refusePort)],
      refusePort,
      dir,
    )
    try {
      const result = await echo({ host: HOST, port: refusePort, timeoutMs: 5_000 })
      expect(result).toMatchObject({
        ok: false,
        stage: 'associate',
        reason: 'association rejected by called AE: no reason given (permanent)',
      })
    } finally {
      await stopPeer(refusing)
    }
  })

  it('verifies dcmqrscp under its configured AE title', async () => {
    const result = await echo({ host: HOST, port: qrPort, calledAE: 'PACS_QR', timeoutMs: 5_000 })
    expect(result).toMatchObject({ ok: true, stage: 'release', status: 0 })
  })

  it('is rejected by dcmqrscp for a wrong called AE title', async () => {
    const result = await echo({ host: HOST, port: qrPort, calledAE: 'WRONG', timeoutMs: 5_000 })
    expect(result).toEqual({
      ok: false,
      stage: 'associate',
      rttMs: expect.any(Number),
      reason: 'association rejected by called AE: called AE title not recognized (permanent)',
    })
  })
})

describe('dcmtk echoscu against our verification server', () => {
  let echoscu: string
  let server: VerificationServer
  let port: number

  beforeAll(async () => {
    echoscu = requirePeer('echoscu', 'dcmtk')
    server = createVerificationServer({ aeTitle: 'PACS_MAIN', host: HOST, port: 0, acceptCalledAE: false })
    await server.start()
    port = server.address()!.port
  })

  afterAll(async () => {
    await server.close()
  })

  it('answers C-ECHO and release', async () => {
    const events: string[] = []
    const record = (name: string) => () => events.push(name)
    const listeners = {
      accept: record('accept'),
      echo: record('echo'),
      release: record('release'),
    }
    server.on('association:accept', listeners.accept).on('echo:answer', listeners.echo)
    server.on('association:release', listeners.release)
    const { code, output } = await run(echoscu, [
      '-v',
      '-aet',
      'CT_SCANNER_3',
      '-aec',
      'PACS_MAIN',
      HOST,
      String(port),
    ])
    server.off('association:accept', listeners.accept).off('echo:answer', listeners.echo)
    server.off('association:release', listeners.release)
    expect(output).toContain('Received Echo Response (Success)')
    expect(code).toBe(0)
    expect(events).toEqual(['accept', 'echo', 'release'])
  })

  it('answers repeated C-ECHOs in one association, 128 proposed contexts and small PDUs', async () => {
    const { code, output } = await run(echoscu, [
      '-v',
      '--repeat',
      '5',
      '-ppc',
      '128',
      '-pts',
      '38',
      '-pdu',
      '4096',
      '-aec',
      'PACS_MAIN',
      HOST,
      String(port),
    ])
    expect(output.match(/Received Echo Response \(Success\)/g)).toHaveLength(5)
    expect(code).toBe(0)
  })

  it('handles an abort from echoscu', async () => {
    const aborted = new Promise((resolve) => server.once('association:abort', resolve))
    const { code } = await run(echoscu, ['--abort', '-aec', 'PACS_MAIN', HOST, String(port)])
    expect(code).toBe(0)
    expect(await aborted).toMatchObject({ by: 'peer', callingAE: 'ECHOSCU', calledAE: 'PACS_MAIN' })
  })

  it('rejects the storage SOP class storescu proposes, per presentation context', async () => {
    const storescu = requirePeer('storescu', 'dcmtk')
    const dump2dcm = requirePeer('dump2dcm', 'dcmtk')
    const dir = mkdtempSync(join(tmpdir(), 'gslb-dicom-e2e-'))
    try {
      const dump = join(dir, 'ct.dump')
      writeFileSync(dump, '(0008,0016) UI =CTImageStorage\n(0008,0018) UI [1.2.3.4.5.6.7.8]\n')
      expect((await run(dump2dcm, ['+te', dump, join(dir, 'ct.dcm')])).code).toBe(0)
      const accepted = new Promise<{ presentationContexts: { result: string }[] }>((resolve) =>
        server.once('association:accept', resolve),
      )
      const { code, output } = await run(storescu, [
        '-aec',
        'PACS_MAIN',
        HOST,
        String(port),
        join(dir, 'ct.dcm'),
      ])
      expect(code).not.toBe(0)
      expect(output).toContain('No Acceptable Presentation Contexts')
      const { presentationContexts } = await accepted
      expect(presentationContexts.length).toBeGreaterThan(0)
      expect(presentationContexts.every((pc) => pc.result === 'abstract-syntax-not-supported')).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('rejects a wrong called AE title (echoscu -aet X -aec WRONG)', async () => {
    const rejected = new Promise((resolve) => server.once('association:reject', resolve))
    const { code, output } = await run(echoscu, ['-aet', 'X', '-aec', 'WRONG', HOST, String(port)])
    expect(code).not.toBe(0)
    expect(output).toContain('Association Rejected')
    expect(output).toContain('Reason: Called AE Title Not Recognized')
    expect(output).toContain('Result: Rejected Permanent, Source: Service User')
    expect(await rejected).toMatchObject({
      callingAE: 'X',
      calledAE: 'WRONG',
      reason: 'called-AE-title-not-recognized',
    })
  })
})

describe('sniffAssociation() on the bytes echoscu sends', () => {
  it('reads calling AE, called AE and the proposed abstract syntax', async () => {
    const echoscu = requirePeer('echoscu', 'dcmtk')
    let received = Buffer.alloc(0)
    const sockets = new Set<import('node:net').Socket>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk])
        if (sniffAssociation(received).status !== 'need-more') socket.destroy()
      })
      socket.on('error', () => undefined)
    })
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    await run(echoscu, ['-aet', 'CT_SCANNER_3', '-aec', 'PACS_MAIN', '-to', '5', HOST, String(address.port)])
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    expect(sniffAssociation(received)).toMatchObject({
      status: 'complete',
      callingAE: 'CT_SCANNER_3',
      calledAE: 'PACS_MAIN',
      abstractSyntaxes: ['1.2.840.10008.1.1'],
      userInformation: { maxLength: 16_384 },
    })
  })
})
