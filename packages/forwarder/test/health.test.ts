import { EventEmitter, once } from 'node:events'
import { createVerificationServer, echo as dicomEcho } from '@gslb/dicom'
import { createHealthChecker, type Target } from '@gslb/health'
import { expectNoLeaks } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import type { ConnectionLog, ForwarderEvents, HealthChange, HealthRegistry } from '../src/index.js'
import { createForwarder } from '../src/index.js'
import { connectTo, echo, readAll, startBackend, startForwarder } from './helpers.js'

/** A health registry the test drives by hand. */
class ScriptedHealth extends EventEmitter implements HealthRegistry {
  readonly targets = new Map<string, Target>()
  readonly checkNowCalls: string[] = []
  add(target: Target): void {
    this.targets.set(target.id, target)
  }
  remove(id: string): void {
    this.targets.delete(id)
  }
  checkNow(id: string): Promise<void> {
    this.checkNowCalls.push(id)
    return Promise.resolve()
  }
  set(id: string, effective: HealthChange['effective']): void {
    this.emit('target:change', { id, effective })
  }
  checked(id: string, ok: boolean, startedAt: number): void {
    this.emit('check:result', { id, result: { ok, startedAt } })
  }
}

describe('health', () => {
  expectNoLeaks()

  test('the @gslb/health checker satisfies HealthRegistry', () => {
    const registry: HealthRegistry = createHealthChecker()
    expect(typeof registry.add).toBe('function')
  })

  test('servers are registered as <service>/<server> targets and follow their checks', async () => {
    const health = new ScriptedHealth()
    const a = await startBackend((socket) => socket.end('a'))
    const b = await startBackend((socket) => socket.end('b'))
    const { forwarder, port } = await startForwarder(
      [
        {
          name: 'svc',
          check: {
            monitor: { type: 'dicom', calledAE: 'PACS' },
            intervalMs: 1_000,
            timeoutMs: 500,
            rise: 2,
            fall: 3,
          },
          backends: [
            { address: '127.0.0.1', port: a.port },
            { address: '127.0.0.1', port: b.port },
          ],
        },
      ],
      { health },
    )
    const idA = `svc/127.0.0.1:${a.port}`
    const idB = `svc/127.0.0.1:${b.port}`
    expect([...health.targets.keys()]).toEqual([idA, idB])
    expect(health.targets.get(idA)).toMatchObject({
      address: '127.0.0.1',
      port: a.port,
      monitor: { type: 'dicom', calledAE: 'PACS' },
      intervalMs: 1_000,
      timeoutMs: 500,
      rise: 2,
      fall: 3,
    })
    const reply = async () => (await readAll(await connectTo(port))).data.toString()
    expect(await reply()).toBe('a')
    health.set(idA, 'down')
    expect(await reply()).toBe('b')
    health.set(idA, 'up')
    expect(await reply()).toBe('a')
    health.set(idA, 'drain')
    expect(forwarder.stats()[0]!.servers[0]!.state).toBe('drain')
    expect(await reply()).toBe('b')
    await forwarder.close({ deadlineMs: 0 })
    expect(health.targets.size).toBe(0)
    expect(health.listenerCount('target:change')).toBe(0)
    await a.close()
    await b.close()
  })

  /** A service whose first server refuses (one failure marks it down for a minute) and whose second echoes. */
  async function passiveSetup(health: ScriptedHealth) {
    const dead = await startBackend(() => {})
    const deadPort = dead.port
    await dead.close()
    const live = await startBackend(echo)
    const { forwarder, port } = await startForwarder(
      [
        {
          name: 'svc',
          passive: { failures: 1, holdMs: 60_000 },
          check: { monitor: { type: 'tcp' } },
          backends: [
            { address: '127.0.0.1', port: deadPort },
            { address: '127.0.0.1', port: live.port },
          ],
        },
      ],
      { health },
    )
    const state = () => forwarder.stats()[0]!.servers[0]!.state
    const connectOnce = async () => {
      const socket = await connectTo(port)
      socket.end()
      await readAll(socket)
    }
    const stop = async () => {
      await forwarder.close({ deadlineMs: 0 })
      await live.close()
    }
    return { id: `svc/127.0.0.1:${deadPort}`, state, connectOnce, stop }
  }

  test('a passive mark-down asks the checker for an immediate recheck', async () => {
    const health = new ScriptedHealth()
    const { id, state, connectOnce, stop } = await passiveSetup(health)
    await connectOnce()
    expect(health.checkNowCalls).toEqual([id])
    expect(state()).toBe('down')
    // an active check that says up ends the passive hold early
    health.set(id, 'up')
    expect(state()).toBe('up')
    await stop()
  })

  test('a check that succeeds after a passive mark-down ends the hold, even when the active state never changed', async () => {
    // a PACS restarted within one check interval: active health stays 'up' throughout, so no target:change comes
    const health = new ScriptedHealth()
    const { id, state, connectOnce, stop } = await passiveSetup(health)
    health.set(id, 'up')
    const startedBefore = Date.now() - 1
    await connectOnce()
    expect(state()).toBe('down')
    health.checked(id, true, startedBefore) // began before the failures: says nothing about now
    health.checked(id, false, Date.now())
    expect(state()).toBe('down')
    health.checked(id, true, Date.now())
    expect(state()).toBe('up')
    await stop()
    expect(health.listenerCount('check:result')).toBe(0)
  })

  test("a target the checker refuses is reported as 'target:reject' and the server is still forwarded to", async () => {
    const health = createHealthChecker()
    const backend = await startBackend(echo)
    const service = {
      name: 'svc',
      check: { monitor: { type: 'tcp' as const } },
      backends: [{ address: '127.0.0.1', port: backend.port }],
    }
    const first = await startForwarder([service], { health })
    // a second forwarder with the same service registers the same id: the checker refuses it
    const second = createForwarder({ services: [{ ...service, listen: ['127.0.0.1:0'] }], health })
    const rejected: ForwarderEvents['target:reject'][0][] = []
    second.on('target:reject', (event) => rejected.push(event))
    await second.start()
    const id = `svc/127.0.0.1:${backend.port}`
    expect(rejected).toEqual([
      { service: 'svc', server: `127.0.0.1:${backend.port}`, id, error: expect.any(Error) },
    ])
    const socket = await connectTo(second.addresses('svc')[0]!.port)
    const reply = readAll(socket)
    socket.end('through the second')
    expect((await reply).data.toString()).toBe('through the second')
    await second.close({ deadlineMs: 0 })
    await first.forwarder.close({ deadlineMs: 0 })
    await health.close()
    await backend.close()
  })

  test("onMarkedDown 'shutdown' closes a server's connections when it goes down; 'keep' keeps them", async () => {
    for (const onMarkedDown of ['shutdown', 'keep'] as const) {
      const health = new ScriptedHealth()
      const backend = await startBackend(echo)
      const { forwarder, port } = await startForwarder(
        [
          {
            name: 'svc',
            onMarkedDown,
            check: { monitor: { type: 'tcp' } },
            backends: [{ address: '127.0.0.1', port: backend.port }],
          },
        ],
        { health },
      )
      const socket = await connectTo(port)
      socket.write('x')
      await once(socket, 'data')
      const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
      health.set(`svc/127.0.0.1:${backend.port}`, 'down')
      if (onMarkedDown === 'shutdown') {
        const [log] = await closed
        expect(log.end).toBe('server-down')
      } else {
        socket.write('y')
        const [data] = (await once(socket, 'data')) as [Buffer]
        expect(data.toString()).toBe('y')
        socket.destroy()
        await closed
      }
      await forwarder.close({ deadlineMs: 0 })
      await backend.close()
    }
  })

  test('with the real checker and DICOM checks, a stopped PACS is taken out before a client tries it', async () => {
    const pacsA = createVerificationServer({ aeTitle: 'PACS_A', host: '127.0.0.1', port: 0 })
    const pacsB = createVerificationServer({ aeTitle: 'PACS_B', host: '127.0.0.1', port: 0 })
    await pacsA.start()
    await pacsB.start()
    const portA = pacsA.address()!.port
    const portB = pacsB.address()!.port
    const health = createHealthChecker({ initialSpreadMs: 1 })
    const { forwarder, port } = await startForwarder(
      [
        {
          name: 'dicom',
          sniffDicom: true,
          check: { monitor: { type: 'dicom' }, intervalMs: 100, timeoutMs: 80, rise: 1, fall: 1 },
          backends: [
            { address: '127.0.0.1', port: portA },
            { address: '127.0.0.1', port: portB },
          ],
        },
      ],
      { health },
    )
    await health.start()
    const changes: ForwarderEvents['server:change'][0][] = []
    forwarder.on('server:change', (change) => changes.push(change))
    const logs: ConnectionLog[] = []
    forwarder.on('connection:close', (log) => logs.push(log))
    const state = (p: number) => forwarder.stats()[0]!.servers.find((server) => server.port === p)!.state
    await waitFor(() => state(portA) === 'up' && state(portB) === 'up', { timeoutMs: 5_000, what: 'both up' })
    const ok = await dicomEcho({ host: '127.0.0.1', port, callingAE: 'CT_SCANNER_3', calledAE: 'PACS_A' })
    expect(ok.ok).toBe(true)
    await pacsA.close()
    await waitFor(() => state(portA) === 'down', { timeoutMs: 5_000, what: 'A down' })
    const viaB = await dicomEcho({ host: '127.0.0.1', port, callingAE: 'CT_SCANNER_3', calledAE: 'ANY' })
    expect(viaB.ok).toBe(true)
    await waitFor(() => logs.length === 2, { timeoutMs: 2_000, what: 'logs' })
    expect(logs[0]).toMatchObject({
      server: `127.0.0.1:${portA}`,
      callingAE: 'CT_SCANNER_3',
      calledAE: 'PACS_A',
    })
    expect(logs[0]!.abstractSyntaxes).toEqual(['1.2.840.10008.1.1'])
    expect(logs[1]).toMatchObject({ server: `127.0.0.1:${portB}`, calledAE: 'ANY' })
    expect(logs[1]!.attempts).toHaveLength(1)
    expect(
      changes.some((change) => change.server === `127.0.0.1:${portA}` && change.current === 'down'),
    ).toBe(true)
    await forwarder.close({ deadlineMs: 0 })
    await health.close()
    expect(health.snapshot().targets).toHaveLength(0)
    await pacsB.close()
  })
})
