import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requirePeer } from '../../../../test/support/peers.js'
import { freePort, tcpFree } from '../../../../test/support/ports.js'
import { waitFor } from '../../../../test/support/wait.js'
import type { Config } from '../../src/config/types.js'
import { validateConfig } from '../../src/config/validate.js'
import { createLogger } from '../../src/log.js'
import { createNode, type GslbNode } from '../../src/node/node.js'

// The two-site drill with real DICOM peers: storescu sends through the DNS-proxy VIP while site A's storescp is
// killed and restored. Every association must succeed; files land at B while A is gone and at A again after rise.

const VIPS = { A: '127.0.0.11', B: '127.0.0.12' } as const
const NAME = 'pacs.drill.test'

let storescp: string
let storescu: string
let dir: string
let dataset: string

class Site {
  process: ChildProcess | undefined
  constructor(
    readonly name: string,
    readonly port: number,
    readonly out: string,
  ) {
    mkdirSync(out, { recursive: true })
  }

  async start(): Promise<void> {
    this.process = spawn(storescp, ['-aet', `SITE_${this.name}`, '+uf', '-od', this.out, String(this.port)], {
      stdio: 'ignore',
    })
    await waitFor(async () => !(await tcpFree('127.0.0.1', this.port)), {
      what: `storescp ${this.name} listens`,
    })
  }

  async kill(): Promise<void> {
    const child = this.process
    this.process = undefined
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  files(): number {
    return readdirSync(this.out).length
  }
}

/** One association through the VIP (asynchronous: the node runs in this process and must keep forwarding). */
function send(port: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(storescu, ['-aec', 'ANY-SCP', '-to', '5', '127.0.0.1', String(port), dataset], (error) => {
      resolve(error ? ((error as { code?: number }).code ?? 1) : 0)
    })
  })
}

let sites: { A: Site; B: Site }
let node: GslbNode
let config: Config

beforeAll(async () => {
  storescp = requirePeer('storescp', 'dcmtk')
  storescu = requirePeer('storescu', 'dcmtk')
  const dump2dcm = requirePeer('dump2dcm', 'dcmtk')
  dir = mkdtempSync(join(tmpdir(), 'gslb-drill-'))
  writeFileSync(
    join(dir, 'sc.dump'),
    [
      '(0008,0016) UI =SecondaryCaptureImageStorage',
      '(0008,0018) UI [1.2.826.0.1.3680043.8.498.10]',
      '(0008,0060) CS [OT]',
      '(0010,0010) PN [Drill^Patient]',
      '(0010,0020) LO [DRILL1]',
      '(0020,000d) UI [1.2.826.0.1.3680043.8.498.11]',
      '(0020,000e) UI [1.2.826.0.1.3680043.8.498.12]',
    ].join('\n'),
  )
  dataset = join(dir, 'sc.dcm')
  execFileSync(dump2dcm, ['-g', '+te', join(dir, 'sc.dump'), dataset])
  sites = {
    A: new Site('A', await freePort(), join(dir, 'A')),
    B: new Site('B', await freePort(), join(dir, 'B')),
  }
  await sites.A.start()
  await sites.B.start()
  const clusterPort = await freePort([VIPS.A, VIPS.B])
  const check = { type: 'dicom', interval: '500ms', timeout: '400ms', rise: 2, fall: 2 }
  // Each site's cluster VIP has its own storescp first and the other site's as backup: a PACS that dies between
  // two checks costs a retry inside the forwarder, never an association.
  const cluster = (own: Site, other: Site, vip: string) => ({
    listen: [{ address: vip, port: clusterPort }],
    backends: [
      { address: '127.0.0.1', port: own.port },
      { address: '127.0.0.1', port: other.port, backup: true },
    ],
    monitor: 'echo',
    limits: { connectTimeout: '500ms' },
  })
  config = validateConfig({
    node: { name: 'drill', site: 'A', drainTimeout: '2s' },
    topology: { datacenters: { A: { cidrs: ['127.0.0.1/32'] }, B: { cidrs: ['127.0.0.2/32'] } } },
    health: { profile: 'fast' },
    monitors: { echo: check },
    gslb: {
      listen: [{ address: '127.0.0.1', port: 0 }],
      zones: [{ name: NAME, nameservers: [{ name: `ns1.${NAME}`, addresses: ['127.0.0.1'] }] }],
      pools: {
        pacs: {
          method: 'topology',
          maxAnswers: 2,
          monitor: 'echo',
          port: clusterPort,
          members: [
            { name: 'siteA', address: VIPS.A, datacenter: 'A' },
            { name: 'siteB', address: VIPS.B, datacenter: 'B' },
          ],
        },
      },
      names: [{ name: NAME, pool: 'pacs', ttl: 1 }],
    },
    resolvers: { local: { nameservers: ['engine'], interval: '500ms', timeout: '300ms' } },
    services: {
      DICOM_DNS_PROXY: {
        listen: [{ address: '127.0.0.1', port: 0 }],
        backends: [{ name: NAME, port: clusterPort, resolver: 'local' }],
        limits: { connectTimeout: '500ms' },
      },
      DICOM_CLUSTER_A: cluster(sites.A, sites.B, VIPS.A),
      DICOM_CLUSTER_B: cluster(sites.B, sites.A, VIPS.B),
    },
    admin: { listen: { address: '127.0.0.1', port: 0 } },
    logging: { level: 'silent' },
  })
  node = createNode({ config, logger: createLogger({ level: 'silent' }) })
  await node.start()
  await waitFor(
    () => node.check().healthy && node.status().pools[0]!.members.every((m) => m.state === 'up'),
    { what: 'both sites are up' },
  )
})

afterAll(async () => {
  await node?.close({ deadlineMs: 0 })
  await sites?.A.kill()
  await sites?.B.kill()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('storescu through the VIP: site A dies and returns, every association succeeds', async () => {
  const vip = node.serviceAddresses('DICOM_DNS_PROXY')[0]!.port
  for (let i = 0; i < 3; i++) expect(await send(vip)).toBe(0)
  expect(sites.A.files()).toBe(3)
  expect(sites.B.files()).toBe(0)

  await sites.A.kill()
  const results: number[] = []
  for (let i = 0; i < 8; i++) {
    results.push(await send(vip))
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  expect(results).toEqual(new Array(8).fill(0))
  expect(sites.B.files()).toBe(8)
  expect(sites.A.files()).toBe(3)
  const siteAServer = `DICOM_CLUSTER_A/127.0.0.1:${sites.A.port}`
  await waitFor(() => node.health.get(siteAServer)?.effective === 'down', {
    what: "site A's storescp is marked down",
  })

  await sites.A.start()
  await waitFor(() => node.health.get(siteAServer)?.effective === 'up', {
    what: "site A's storescp is up again after rise",
    timeoutMs: 15_000,
  })
  await waitFor(
    async () => {
      expect(await send(vip)).toBe(0)
      return sites.A.files() > 3
    },
    { what: 'associations land at site A again' },
  )
})

test("site A's whole cluster VIP disappears: the DNS-proxy retries site B at once and the GSLB moves the name", async () => {
  const vip = node.serviceAddresses('DICOM_DNS_PROXY')[0]!.port
  const before = { A: sites.A.files(), B: sites.B.files() }
  const { DICOM_CLUSTER_A, ...others } = config.services!
  expect((await node.reload({ ...config, services: others })).applied).toBe(true)
  const results: number[] = []
  for (let i = 0; i < 6; i++) {
    results.push(await send(vip))
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  expect(results).toEqual(new Array(6).fill(0))
  expect(sites.B.files() - before.B).toBe(6)
  expect(sites.A.files()).toBe(before.A)
  await waitFor(() => node.status().pools[0]!.members[0]!.state === 'down', {
    what: 'site A is down in the GSLB',
  })
  await waitFor(
    () => {
      const names = node.status().resolvers[0]!.names
      return names[0]!.addresses.join() === VIPS.B
    },
    { what: 'the name resolves to site B only' },
  )

  expect(
    (await node.reload({ ...config, services: { ...others, DICOM_CLUSTER_A: DICOM_CLUSTER_A! } })).applied,
  ).toBe(true)
  await waitFor(() => node.status().pools[0]!.members[0]!.state === 'up', {
    what: 'site A is up in the GSLB after rise',
    timeoutMs: 15_000,
  })
  await waitFor(
    async () => {
      expect(await send(vip)).toBe(0)
      return sites.A.files() > before.A
    },
    { what: 'associations land at site A again' },
  )
})
