import { get } from 'node:http'
import { type AdminHandlers, createAdminServer } from '../src/admin/server.js'

// The admin API's listener speaks the lifecycle every component shares: start/close/destroy/asyncDispose.

function handlers(metricsDelayMs = 0): AdminHandlers {
  return {
    status: () => ({ ok: true }),
    check: () => ({ fit: true, healthy: true, reasons: [], shared: [], services: [], usable: {} }) as never,
    metrics: async () => {
      await new Promise((resolve) => setTimeout(resolve, metricsDelayMs))
      return { contentType: 'text/plain', body: 'slow_metric 1\n' }
    },
    reload: async () => ({ applied: true }),
    explain: () => ({}),
    act: () => ({}),
  }
}

const make = (metricsDelayMs = 0) =>
  createAdminServer({ listen: { address: '127.0.0.1', port: 0 }, handlers: handlers(metricsDelayMs) })

function fetchStatus(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', (error) => resolve(error.message))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

test('start twice is one start; close twice is one close; start after close is refused as GSLB_NODE_CLOSED', async () => {
  const admin = make()
  const first = admin.start()
  expect(admin.start()).toBe(first)
  await first
  const port = admin.address()!.port
  expect(await fetchStatus(port, '/status')).toBe(200)
  const closing = admin.close()
  expect(admin.close()).toBe(closing)
  await closing
  expect(admin.address()).toBeUndefined()
  await expect(admin.start()).rejects.toMatchObject({ code: 'GSLB_NODE_CLOSED' })
  expect(await fetchStatus(port, '/status')).toBe('ECONNREFUSED')
})

test('close() before start() resolves; destroy() is idempotent; asyncDispose closes', async () => {
  await make().close()
  const destroyed = make()
  await destroyed.start()
  destroyed.destroy()
  destroyed.destroy()
  await destroyed.close()
  const disposed = make()
  await disposed.start()
  await disposed[Symbol.asyncDispose]()
  await expect(disposed.start()).rejects.toMatchObject({ code: 'GSLB_NODE_CLOSED' })
})

test('close() lets a request in progress finish; with deadlineMs 0 it is cut', async () => {
  const graceful = make(300)
  await graceful.start()
  const answered = fetchStatus(graceful.address()!.port, '/metrics')
  await new Promise((resolve) => setTimeout(resolve, 50))
  await graceful.close({ deadlineMs: 5_000 })
  expect(await answered).toBe(200)

  const abrupt = make(2_000)
  await abrupt.start()
  const cut = fetchStatus(abrupt.address()!.port, '/metrics')
  await new Promise((resolve) => setTimeout(resolve, 50))
  await abrupt.close({ deadlineMs: 0 })
  expect(await cut).not.toBe(200)
})

test('close() refuses a deadline setTimeout cannot keep, and the listener keeps serving', async () => {
  const admin = make()
  await admin.start()
  for (const deadlineMs of [Number.NaN, -1, 2 ** 31, 1.5]) {
    await expect(admin.close({ deadlineMs })).rejects.toMatchObject({ code: 'GSLB_CLI_USAGE' })
  }
  expect(await fetchStatus(admin.address()!.port, '/status')).toBe(200)
  await admin.close()
})
