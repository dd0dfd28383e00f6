import { type ChildProcess, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { requirePeer } from '../../../../test/support/peers.js'
import { freePort } from '../../../../test/support/ports.js'
import { type CheckResult, createHealthChecker, type TargetChangeEvent } from '../../src/index.js'

const address = '127.0.0.1'

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function startStorescp(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(binary, ['-aet', 'PACS_E2E', String(port)], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) return child
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  throw new Error(`storescp did not listen on ${port} within 5 s`)
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

describe('dicom monitor against dcmtk storescp', () => {
  let storescp: string
  beforeAll(() => {
    storescp = requirePeer('storescp', 'dcmtk')
  })

  test('C-ECHO to storescp is up; when storescp dies the target goes down after fall failures', async () => {
    const port = await freePort()
    const child = await startStorescp(storescp, port)
    const health = createHealthChecker()
    const changes: TargetChangeEvent[] = []
    health.on('target:change', (event) => changes.push(event))
    health.add({
      id: 'pacs',
      address,
      port,
      intervalMs: 300,
      timeoutMs: 250,
      fall: 2,
      fastIntervalMs: 100,
      monitor: { type: 'dicom', callingAE: 'GSLB_E2E', calledAE: 'PACS_E2E' },
    })
    try {
      const first: CheckResult = await health.checkNow('pacs')
      expect(first).toMatchObject({ ok: true, code: 'ok' })
      expect(health.get('pacs')?.observed).toBe('up')
      health.start()
      await stopped(child)
      for (let i = 0; i < 100 && health.get('pacs')?.observed !== 'down'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(health.get('pacs')).toMatchObject({
        observed: 'down',
        lastCheck: { ok: false, code: 'dicom-tcp' },
      })
      expect(changes.map((c) => c.current)).toEqual(['up', 'down'])
      expect(changes[1]!.reason.message).toMatch(/^2 consecutive failures \(fall 2\)/)
    } finally {
      await health.close({ deadlineMs: 0 })
      await stopped(child)
    }
  })
})
