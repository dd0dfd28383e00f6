import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { isCliError } from '../src/errors.js'
import { createLogger } from '../src/log.js'
import { createNode, type GslbNode } from '../src/node/node.js'
import { closeFixture, createFixture, type Fixture, startNode, validate } from './node-fixture.js'

let fixture: Fixture
let before: Record<string, number>

beforeAll(async () => {
  before = activeResources()
  fixture = await createFixture()
})

afterAll(async () => {
  await closeFixture(fixture)
  expect(await leakedSince(before, 2_000)).toEqual({})
})

const quietNode = (): GslbNode =>
  createNode({
    config: validate(fixture.raw()),
    logger: createLogger({ level: 'silent' }),
    adminListen: false,
  })

test('start() is idempotent: a second call while starting returns the same promise', async () => {
  const node = quietNode()
  try {
    const first = node.start()
    const second = node.start()
    expect(second).toBe(first)
    await first
    expect(node.start()).toBe(first)
    expect(node.running).toBe(true)
  } finally {
    await node.close({ deadlineMs: 0 })
  }
})

test('close() is idempotent (the same promise) and start() after it rejects with GSLB_NODE_CLOSED', async () => {
  const node = quietNode()
  await node.start()
  const first = node.close({ deadlineMs: 0 })
  expect(node.close()).toBe(first)
  await first
  expect(node.running).toBe(false)
  const error = await node.start().catch((e: unknown) => e)
  expect(isCliError(error) && error.code).toBe('GSLB_NODE_CLOSED')
})

test('close() on a node never started resolves; destroy() twice is harmless', async () => {
  const node = quietNode()
  await node.close()
  node.destroy()
  node.destroy(new Error('again'))
  expect(node.running).toBe(false)
})

test('destroy() while starting: start() rejects and nothing stays open', async () => {
  const node = quietNode()
  const starting = node.start()
  node.destroy()
  const error = await starting.catch((e: unknown) => e)
  expect(isCliError(error) && error.code).toBe('GSLB_NODE_CLOSED')
  await node.close()
  expect(node.running).toBe(false)
  expect(node.serviceAddresses('PLAIN')).toEqual([])
})

test('[Symbol.asyncDispose] closes the node', async () => {
  const node = quietNode()
  await node.start()
  await node[Symbol.asyncDispose]()
  expect(node.running).toBe(false)
  expect(node.serviceAddresses('PLAIN')).toEqual([])
})

test('a reload that changes the node section says so once', async () => {
  const node = await startNode(validate(fixture.raw()))
  try {
    const result = await node.reload(validate(fixture.raw((c) => (c.node.drainTimeout = '2s'))))
    expect(result).toMatchObject({ applied: true, changes: ['node: updated'] })
  } finally {
    await node.close({ deadlineMs: 0 })
  }
})
