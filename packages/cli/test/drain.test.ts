import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { closeFixture, createFixture, openTo, roundTrip, startNode, validate } from './node-fixture.js'

test('close() drains: no new connections, established ones continue until the deadline, then the rest close', async () => {
  const before = activeResources()
  const fixture = await createFixture()
  const node = await startNode(validate(fixture.raw()))
  const port = node.serviceAddresses('PLAIN')[0]!.port
  const socket = await openTo(port)
  expect(await roundTrip(socket, 'hello')).toBe('hello')
  const closedAt = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())))

  const started = Date.now()
  const closing = node.close({ deadlineMs: 1_500 })
  await waitFor(
    () =>
      openTo(port).then(
        (late) => {
          late.destroy()
          return false
        },
        (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
      ),
    { what: 'the listener refuses new connections' },
  )
  expect(await roundTrip(socket, 'still here')).toBe('still here')
  await closing
  expect((await closedAt) - started).toBeGreaterThanOrEqual(1_400)
  expect(node.running).toBe(false)
  await closeFixture(fixture)
  expect(await leakedSince(before, 2_000)).toEqual({})
})
