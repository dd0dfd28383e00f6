import { execFile } from 'node:child_process'
import { requirePeer } from '../../../../test/support/peers.js'
import { main } from '../../src/cli.js'
import type { GslbNode } from '../../src/node/node.js'
import { memoryIo } from '../helpers.js'
import { closeFixture, createFixture, type Fixture, NAME, startNode, validate } from '../node-fixture.js'

// The node as outside tools see it: dig asks the engine the CLI configured; dcmtk's echoscu goes through the VIP.

let dig: string
let echoscu: string
let fixture: Fixture
let node: GslbNode

function run(binary: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: 20_000 }, (error, stdout) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout })
    })
  })
}

beforeAll(async () => {
  dig = requirePeer('dig', 'bind9-dnsutils')
  echoscu = requirePeer('echoscu', 'dcmtk')
  fixture = await createFixture()
  node = await startNode(validate(fixture.raw()))
})

afterAll(async () => {
  await node?.close({ deadlineMs: 0 })
  if (fixture) await closeFixture(fixture)
})

test('dig gets the pool member from the engine the config describes, authoritatively', async () => {
  const { port } = node.engineAddresses()[0]!
  const answer = await run(dig, [
    '@127.0.0.1',
    '-p',
    String(port),
    NAME,
    'A',
    '+norecurse',
    '+time=2',
    '+tries=1',
  ])
  expect(answer.code).toBe(0)
  expect(answer.stdout).toMatch(/status: NOERROR/)
  expect(answer.stdout).toMatch(/flags: qr aa/)
  expect(answer.stdout).toMatch(
    new RegExp(`^${NAME.replace(/\./g, '\\.')}\\.\\s+1\\s+IN\\s+A\\s+127\\.0\\.0\\.1$`, 'm'),
  )
  const short = await run(dig, ['@127.0.0.1', '-p', String(port), `nope.${NAME}`, 'A', '+time=2', '+tries=1'])
  expect(short.stdout).toMatch(/status: NXDOMAIN/)
})

test("dcmtk's echoscu through the DNS-proxy VIP, and the node's metrics count it", async () => {
  const { port } = node.serviceAddresses('PROXY')[0]!
  const result = await run(echoscu, ['-aec', 'PACS_TEST', '127.0.0.1', String(port)])
  expect(result.code).toBe(0)
  const io = memoryIo()
  expect(await main(['status', '--json', '--admin', `127.0.0.1:${node.adminAddress()!.port}`], io.io)).toBe(0)
  const proxy = JSON.parse(io.out()).services.find((s: { name: string }) => s.name === 'PROXY')
  expect(proxy.connections.total).toBeGreaterThanOrEqual(1)
  const metrics = await node.metrics.registry.metrics()
  expect(metrics).toMatch(/gslb_connections_total\{service="PROXY"\} [1-9]/)
})
