import { connect, type Socket } from 'node:net'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { until } from './helpers.js'
import { closeFixture, createFixture, startNode, validate } from './node-fixture.js'

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return socket
}

async function roundTrip(socket: Socket, text: string): Promise<string> {
  const reply = new Promise<string>((resolve) => socket.once('data', (data) => resolve(String(data))))
  socket.write(text)
  return reply
}

test('close() drains: no new connections, established ones continue until the deadline, then the rest close', async () => {
  const before = activeResources()
  const fixture = await createFixture()
  const node = await startNode(validate(fixture.raw()))
  const port = node.serviceAddresses('PLAIN')[0]!.port
  const socket = await open(port)
  expect(await roundTrip(socket, 'hello')).toBe('hello')
  const closedAt = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())))

  const started = Date.now()
  const closing = node.close({ deadlineMs: 1_500 })
  await until('the listener refuses new connections', () =>
    open(port).then(
      (late) => {
        late.destroy()
        return false
      },
      (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
    ),
  )
  expect(await roundTrip(socket, 'still here')).toBe('still here')
  await closing
  expect((await closedAt) - started).toBeGreaterThanOrEqual(1_400)
  expect(node.running).toBe(false)
  await closeFixture(fixture)
  expect(await leakedSince(before, 2_000)).toEqual({})
})
