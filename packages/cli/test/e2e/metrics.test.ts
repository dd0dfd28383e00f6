import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { echo } from '@gslb/dicom'
import { requirePeer } from '../../../../test/support/peers.js'
import type { GslbNode } from '../../src/node/node.js'
import { closeFixture, createFixture, type Fixture, startNode, validate } from '../node-fixture.js'

// What Prometheus gets from a running node, as Prometheus' own tool judges it, and the shipped alert rules against it.

const DOCS = join(__dirname, '..', '..', '..', '..', 'docs')
let promtool: string
let fixture: Fixture
let node: GslbNode
let scraped: string

function promtoolRun(args: string[], input?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(promtool, args, { timeout: 30_000, cwd: DOCS }, (error, stdout, stderr) => {
      resolve({
        code: error ? Number((error as { code?: number }).code ?? 1) : 0,
        output: `${stdout}${stderr}`,
      })
    })
    child.stdin?.end(input ?? '')
  })
}

beforeAll(async () => {
  promtool = requirePeer('promtool', 'prometheus')
  fixture = await createFixture()
  node = await startNode(validate(fixture.raw((c) => (c.services.PROXY.sniffDicom = true))))
  // Traffic, so that the histograms and the association counter have samples.
  const { address, port } = node.serviceAddresses('PROXY')[0]!
  const result = await echo({
    host: address,
    port,
    callingAE: 'MODALITY',
    calledAE: 'PACS_TEST',
    timeoutMs: 5_000,
  })
  expect(result.ok).toBe(true)
  const admin = node.adminAddress()!
  const response = await fetch(`http://127.0.0.1:${admin.port}/metrics`)
  expect(response.status).toBe(200)
  scraped = await response.text()
})

afterAll(async () => {
  await node?.close({ deadlineMs: 0 })
  if (fixture) await closeFixture(fixture)
})

test('promtool check metrics accepts what GET /metrics serves', async () => {
  const checked = await promtoolRun(['check', 'metrics'], scraped)
  expect(checked).toEqual({ code: 0, output: '' })
  expect(scraped).toContain('gslb_associations_total{service="PROXY",site="A"} 1')
  expect(scraped).toMatch(/gslb_connect_duration_seconds_bucket\{le="[^"]+",service="PROXY"\} 1/)
})

test('the alert rules pass promtool, and every gslb_ series they use is one the node serves', async () => {
  expect((await promtoolRun(['check', 'rules', 'alerts.yml'])).code).toBe(0)
  const tested = await promtoolRun(['test', 'rules', 'alerts.test.yml'])
  expect(tested.output).toContain('SUCCESS')
  expect(tested.code).toBe(0)
  const used = new Set(readFileSync(join(DOCS, 'alerts.yml'), 'utf8').match(/\bgslb_[a-z_]+/g))
  expect(used.size).toBeGreaterThan(5)
  for (const series of used)
    expect({ series, served: scraped.includes(`# TYPE ${series} `) }).toEqual({ series, served: true })
})
