import { Writable } from 'node:stream'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { freePort } from '../../../test/support/ports.js'
import { waitFor } from '../../../test/support/wait.js'
import { type FakeNameserver, startFakeNameserver } from '../../resolver/test/support/fake-nameserver.js'
import { createLogger } from '../src/log.js'
import { createNode, type GslbNode } from '../src/node/node.js'
import { validate } from './node-fixture.js'

// Issue 11: the node logged "keeping the last good addresses" after the resolver had dropped them. The line now
// says what the resolver reports: kept until when, nothing to keep, or the kept answer's expiry.
const NAME = 'dicom.test.lan'
const MAX_AGE_MS = 1_500

let before: Record<string, number>
let dns: FakeNameserver
let node: GslbNode | undefined

beforeEach(async () => {
  before = activeResources()
  dns = await startFakeNameserver('127.0.0.1', () => ({ addresses: ['127.0.0.1'], ttl: 1 }))
})

afterEach(async () => {
  await node?.close({ deadlineMs: 0 })
  node = undefined
  await dns.close()
  expect(await leakedSince(before, 2_000)).toEqual({})
})

test('issue #11 regression: the lookup-failed line says whether the last good addresses are kept, and until when', async () => {
  const lines: Array<{ msg: string; lastGood?: { until: number } | null }> = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  const config = validate({
    node: { name: 'test-node', drainTimeout: '1s' },
    resolvers: {
      local: {
        nameservers: [dns.address],
        interval: '100ms',
        timeout: '100ms',
        failThreshold: 2,
        lastGoodMaxAge: MAX_AGE_MS,
      },
    },
    services: {
      PROXY: {
        listen: [{ address: '127.0.0.1', port: 0 }],
        backends: [{ name: NAME, port: await freePort(), resolver: 'local' }],
      },
    },
    logging: { level: 'warn', format: 'json' },
  })
  node = createNode({ config, logger: createLogger({ level: 'warn', format: 'json' }, stream) })
  await node.start()
  await waitFor(() => node!.status().resolvers[0]?.names[0]?.state === 'online', {
    what: 'the name resolves',
  })
  const answeredAt = Date.now()
  dns.respond = () => ({ rcode: 'SERVFAIL' })
  const kept = 'lookup failed; keeping the last good addresses until '
  const count = (prefix: string) => lines.filter((line) => line.msg.startsWith(prefix)).length
  // past failThreshold the addresses are still kept, and the line says so
  await waitFor(() => count(kept) >= 3, { what: 'three failures with the addresses kept' })
  const first = lines.find((line) => line.msg.startsWith(kept))!
  const until_ = Date.parse(first.msg.slice(kept.length))
  expect(until_).toBe(first.lastGood!.until)
  expect(Math.abs(until_ - (answeredAt + MAX_AGE_MS))).toBeLessThan(500)
  // then they expire, the name goes offline, and further failures say nothing is kept
  await waitFor(() => count('lookup failed; no good addresses to keep') >= 1, {
    what: 'the expiry and a failure after it',
  })
  const messages = lines.map((line) => line.msg)
  const expiry = messages.indexOf(
    'lookup failed; the last good addresses reached lastGoodMaxAge and are dropped',
  )
  const lastKept = messages.lastIndexOf(first.msg) // every kept line names the same expiry time
  expect(expiry).toBeGreaterThan(lastKept)
  expect(messages.slice(expiry)).toContain('name offline')
  expect(messages.slice(expiry).some((m) => m.startsWith(kept))).toBe(false)
})
