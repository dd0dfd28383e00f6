import { GiveUp, waitFor } from './wait.js'

test('returns the first truthy value the predicate gives', async () => {
  let calls = 0
  const value = await waitFor(() => (++calls === 3 ? { calls } : undefined), { intervalMs: 1 })
  expect(value).toEqual({ calls: 3 })
})

test('times out naming what it waited for, how long, and the context', async () => {
  await expect(
    waitFor(() => false, {
      timeoutMs: 30,
      intervalMs: 5,
      what: 'the node is healthy',
      context: () => 'last: down',
    }),
  ).rejects.toThrow('timed out after 30 ms waiting for: the node is healthy\nlast: down')
})

test('a probe that throws fails the wait at once, unless retryErrors (then the last error is in the message)', async () => {
  const refused = () => Promise.reject(new Error('ECONNREFUSED'))
  const started = Date.now()
  await expect(waitFor(refused, { timeoutMs: 5_000 })).rejects.toThrow('ECONNREFUSED')
  expect(Date.now() - started).toBeLessThan(4_000)
  await expect(
    waitFor(refused, { timeoutMs: 30, intervalMs: 5, retryErrors: true, what: 'the API' }),
  ).rejects.toThrow('timed out after 30 ms waiting for: the API (last error: ECONNREFUSED)')
})

test('GiveUp ends a wait at once, also with retryErrors', async () => {
  const started = Date.now()
  const gaveUp = waitFor(
    () => {
      throw new GiveUp('the process exited')
    },
    { timeoutMs: 5_000, retryErrors: true },
  )
  await expect(gaveUp).rejects.toThrow('the process exited')
  expect(Date.now() - started).toBeLessThan(4_000)
})
