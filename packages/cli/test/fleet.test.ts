import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../src/cli.js'
import {
  canonicalJson,
  chooseFleetNode,
  configFingerprint,
  fleetStructureIssues,
  resolveFleetNode,
} from '../src/config/fleet.js'
import { loadConfig } from '../src/config/load.js'
import { everyNodeConfig, nodeConfigFrom } from '../src/config/resolve.js'
import { issuesOf, type Json, memoryIo, seed } from './helpers.js'

const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'two-site', 'fleet.json')
const example = (): Json => JSON.parse(readFileSync(EXAMPLE, 'utf8'))
const withExample = (edit: (fleet: Json) => void): Json => {
  const fleet = example()
  edit(fleet)
  return fleet
}
const lines = (raw: unknown, node?: string) =>
  issuesOf(() => (node ? nodeConfigFrom(raw, { node }) : everyNodeConfig(raw))).map(
    (i) => `${i.path}: ${i.message}${i.nodes ? ` [${i.nodes.join(' ')}]` : ''}`,
  )

describe('resolving a fleet file for one node', () => {
  test('the example resolves for each of its four nodes: shared, then site, then node', () => {
    const configs = everyNodeConfig(example())
    expect(configs.map((c) => [c.node.name, c.node.site])).toEqual([
      ['lb-a1', 'A'],
      ['lb-a2', 'A'],
      ['lb-b1', 'B'],
      ['lb-b2', 'B'],
    ])
    const [a1, , b1, b2] = configs as unknown as [Json, Json, Json, Json]
    expect(a1.node).toEqual({ name: 'lb-a1', site: 'A', drainTimeout: 30_000, stopGrace: 5_000 })
    expect(a1.services.DICOM_DNS_PROXY).toMatchObject({
      listen: [{ address: '10.1.0.50', port: 104 }],
      backends: [{ name: 'dicom.mysite.com', port: 104, resolver: 'local-first' }],
      retryOnEmpty: true,
    })
    expect(b1.services.DICOM_CLUSTER.backends.map((b: Json) => b.address)).toEqual(['10.2.1.11', '10.2.1.12'])
    expect(b1.services.DICOM_CLUSTER.monitor).toBe('dicom-echo')
    expect(b2.gslb.listen).toEqual([
      { address: '127.0.0.1', port: 53 },
      { address: '10.2.0.12', port: 53 },
    ])
    expect(a1.fleet).toEqual({
      name: 'mysite',
      fingerprint: configFingerprint(example()),
      node: 'lb-a1',
      fleetFile: true,
      nodes: [
        { name: 'lb-a1', site: 'A', address: '10.1.0.11', admin: { address: '0.0.0.0', port: 9180 } },
        { name: 'lb-a2', site: 'A', address: '10.1.0.12', admin: { address: '0.0.0.0', port: 9180 } },
        { name: 'lb-b1', site: 'B', address: '10.2.0.11', admin: { address: '0.0.0.0', port: 9180 } },
        { name: 'lb-b2', site: 'B', address: '10.2.0.12', admin: { address: '0.0.0.0', port: 9180 } },
      ],
    })
  })

  test('the resolution is pure: the file is not changed, and the same input gives the same config', () => {
    const raw = example()
    const before = canonicalJson(raw)
    const first = resolveFleetNode(raw, 'lb-a1').config
    ;(first.services as Json).DICOM_DNS_PROXY.listen[0].address = '10.9.9.9'
    expect(canonicalJson(raw)).toBe(before)
    expect(resolveFleetNode(raw, 'lb-a1').config).toEqual(resolveFleetNode(example(), 'lb-a1').config)
  })

  test('null in an overlay removes a shared key; arrays replace, objects merge', () => {
    const raw = withExample((f) => {
      f.fleet.nodes['lb-b2'].gslb = null
      f.fleet.nodes['lb-b2'].resolvers = { 'local-first': { nameservers: ['10.0.0.2'] } }
      f.fleet.nodes['lb-b2'].admin = {
        listen: { address: '10.2.0.12', port: 9180 },
        token: 'a-long-enough-token-123',
      }
    })
    const config = nodeConfigFrom(raw, { node: 'lb-b2' })
    expect(config.gslb).toBeUndefined()
    expect(config.resolvers!['local-first']).toMatchObject({ nameservers: ['10.0.0.2'], interval: 1000 })
    expect(config.fleet!.nodes.find((n) => n.name === 'lb-b2')!.admin).toEqual({
      address: '10.2.0.12',
      port: 9180,
    })
  })

  test('the node: asked for by name, else the host name, else its first label', () => {
    const raw = example()
    expect(chooseFleetNode(raw, { node: 'lb-b1' })).toBe('lb-b1')
    expect(chooseFleetNode(raw, { hostname: 'lb-a2' })).toBe('lb-a2')
    expect(chooseFleetNode(raw, { hostname: 'lb-a2.mysite.com' })).toBe('lb-a2')
    expect(lines(raw, 'lb-c1')).toEqual([
      "fleet.nodes: no node 'lb-c1' (--node or GSLB_LB_NODE; nodes: lb-a1, lb-a2, lb-b1, lb-b2)",
    ])
    expect(issuesOf(() => nodeConfigFrom(raw, { hostname: 'build-42' })).map((i) => i.message)).toEqual([
      "this host ('build-42') is none of the fleet's nodes (lb-a1, lb-a2, lb-b1, lb-b2): pass --node NAME or set GSLB_LB_NODE",
    ])
  })

  test('a single-node file keeps working; a node asked for by another name is refused', () => {
    const config = nodeConfigFrom(seed(), { hostname: 'anything' })
    expect(config.node.name).toBe('lb-a1')
    expect(config.fleet).toMatchObject({
      node: 'lb-a1',
      fleetFile: false,
      nodes: [{ name: 'lb-a1', site: 'A' }],
    })
    expect(nodeConfigFrom(seed(), { node: 'lb-a1' }).node.name).toBe('lb-a1')
    expect(lines(seed(), 'lb-a2')).toEqual([
      "node.name: is 'lb-a1', but node 'lb-a2' was asked for (--node or GSLB_LB_NODE)",
    ])
  })
})

describe('the fingerprint', () => {
  test('ignores whitespace and key order, sees every value', () => {
    const raw = example()
    const reordered = Object.fromEntries(Object.entries(raw).reverse())
    expect(configFingerprint(reordered)).toBe(configFingerprint(raw))
    expect(configFingerprint(raw)).toMatch(/^[0-9a-f]{12}$/)
    const changed = withExample((f) => (f.health.profile = 'normal'))
    expect(configFingerprint(changed)).not.toBe(configFingerprint(raw))
  })
})

describe('errors are named by their path in the file, and by node', () => {
  test('a value set by a site is reported at the site, for the nodes of that site only', () => {
    const raw = withExample((f) => (f.fleet.sites.B.services.DICOM_DNS_PROXY.listen[0].address = '10.2.0.5o'))
    expect(lines(raw)).toEqual([
      "fleet.sites.B.services.DICOM_DNS_PROXY.listen[0].address: '10.2.0.5o' is not an IPv4 or IPv6 address [lb-b1 lb-b2]",
    ])
  })

  test('a shared problem is reported once with every node; a node problem at the node', () => {
    const raw = withExample((f) => {
      f.services.DICOM_DNS_PROXY.balnce = 'first'
      f.fleet.nodes['lb-a2'].gslb.listen[1].port = 'fifty-three'
    })
    expect(lines(raw)).toEqual([
      'services.DICOM_DNS_PROXY.balnce: unknown key [lb-a1 lb-a2 lb-b1 lb-b2]',
      'fleet.nodes.lb-a2.gslb.listen[1].port: must be integer [lb-a2]',
    ])
  })

  test('something required that no layer sets is reported where the object was started', () => {
    const raw = withExample((f) => delete f.fleet.sites.A.services.DICOM_DNS_PROXY)
    expect(lines(raw)).toEqual(['services.DICOM_DNS_PROXY.listen: is required [lb-a1 lb-a2]'])
  })

  test('cross-references are checked on each resolved view', () => {
    const raw = withExample((f) => (f.fleet.sites.A.services.DICOM_CLUSTER.monitor = 'nope'))
    expect(lines(raw)).toEqual([
      "fleet.sites.A.services.DICOM_CLUSTER.monitor: unknown monitor 'nope' (known: dicom-echo) [lb-a1 lb-a2]",
    ])
  })

  test('node.site comes from the fleet: an unknown datacenter is reported at the node', () => {
    const raw = withExample((f) => {
      f.fleet.sites.C = structuredClone(f.fleet.sites.B)
      f.fleet.nodes['lb-b2'].site = 'C'
    })
    expect(lines(raw)).toEqual(["fleet.nodes.lb-b2.site: unknown datacenter 'C' (known: A, B) [lb-b2]"])
  })

  test.each<[string, (f: Json) => void, string[]]>([
    [
      'fleet is not an object',
      (f) => (f.fleet = []),
      ['fleet: must be an object with nodes (and optionally sites and name)'],
    ],
    [
      'no nodes',
      (f) => (f.fleet.nodes = {}),
      ['fleet.nodes: must be an object with at least one node: node name → { site, address, overlays }'],
    ],
    ['an unknown fleet key', (f) => (f.fleet.node = {}), ['fleet.node: unknown key']],
    ['a bad fleet name', (f) => (f.fleet.name = ''), ['fleet.name: must be a string of 1-64 characters']],
    [
      'sites not an object',
      (f) => (f.fleet.sites = 'A'),
      [
        'fleet.sites: must be an object: site name → overlay',
        "fleet.nodes.lb-a1.site: unknown site 'A' (known: none)",
        "fleet.nodes.lb-a2.site: unknown site 'A' (known: none)",
        "fleet.nodes.lb-b1.site: unknown site 'B' (known: none)",
        "fleet.nodes.lb-b2.site: unknown site 'B' (known: none)",
      ],
    ],
    [
      'a bad site name',
      (f) => (f.fleet.sites['site A'] = {}),
      ['fleet.sites["site A"]: \'site A\' is not a valid name (letters, digits, _ - . ; at most 63)'],
    ],
    ['a site that is not an object', (f) => (f.fleet.sites.C = 3), ['fleet.sites.C: must be an object']],
    [
      'an unknown key in a site',
      (f) => (f.fleet.sites.A.address = '10.1.0.1'),
      [
        'fleet.sites.A.address: unknown key (an overlay holds node, topology, health, monitors, gslb, resolvers, services, admin, logging)',
      ],
    ],
    [
      'a section that is not an object',
      (f) => (f.fleet.sites.A.services = []),
      ['fleet.sites.A.services: must be an object (merged over the shared section) or null (removes it)'],
    ],
    [
      'a bad node name',
      (f) => (f.fleet.nodes['lb a3'] = { site: 'A' }),
      ['fleet.nodes["lb a3"]: \'lb a3\' is not a valid node name (letters, digits, _ - . ; at most 63)'],
    ],
    [
      'a node that is not an object',
      (f) => (f.fleet.nodes['lb-a3'] = 'A'),
      ['fleet.nodes.lb-a3: must be an object'],
    ],
    [
      'an unknown key in a node',
      (f) => (f.fleet.nodes['lb-a1'].role = 'master'),
      [
        'fleet.nodes.lb-a1.role: unknown key (an overlay holds node, topology, health, monitors, gslb, resolvers, services, admin, logging, or site, address)',
      ],
    ],
    [
      'a site that is not a string',
      (f) => (f.fleet.nodes['lb-a1'].site = 1),
      ['fleet.nodes.lb-a1.site: must be a string (a key of fleet.sites)'],
    ],
    [
      'an unknown site',
      (f) => (f.fleet.nodes['lb-a1'].site = 'Z'),
      ["fleet.nodes.lb-a1.site: unknown site 'Z' (known: A, B)"],
    ],
    [
      'a bad node address',
      (f) => (f.fleet.nodes['lb-a1'].address = 'lb-a1.mysite.com'),
      ['fleet.nodes.lb-a1.address: "lb-a1.mysite.com" is not an IPv4 or IPv6 address'],
    ],
    [
      'node.name in the shared node section',
      (f) => (f.node.name = 'lb-a1'),
      ['node.name: set per node in a fleet file (the key of fleet.nodes); remove it here'],
    ],
    [
      'node.site in the shared node section',
      (f) => (f.node.site = 'A'),
      ['node.site: set per node in a fleet file (the key of fleet.nodes and its site); remove it here'],
    ],
    [
      'node.name in an overlay',
      (f) => (f.fleet.nodes['lb-a1'].node = { name: 'x' }),
      ['fleet.nodes.lb-a1.node.name: is set by the fleet; remove it here'],
    ],
  ])('the fleet section itself: %s', (_, edit, expected) => {
    const raw = withExample(edit)
    expect(fleetStructureIssues(raw).map((i) => `${i.path}: ${i.message}`)).toEqual(expected)
    expect(lines(raw)).toEqual(expected)
  })

  test('a single-node file still needs node and node.name (the schema no longer requires them)', () => {
    expect(issuesOf(() => nodeConfigFrom({ ...seed(), node: {} })).map((i) => i.path)).toEqual(['node.name'])
    const { node: _, ...withoutNode } = seed()
    expect(issuesOf(() => nodeConfigFrom(withoutNode)).map((i) => `${i.path}: ${i.message}`)).toEqual([
      'node: is required',
    ])
  })
})

describe('the command line', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gslb-fleet-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const run = async (argv: string[], env: Record<string, string> = {}) => {
    const { io, out, err } = memoryIo(env)
    const code = await main(argv, io)
    return { code, out: out(), err: err() }
  }

  test('validate checks every node of a fleet, or the one asked for', async () => {
    const all = await run(['validate', EXAMPLE])
    expect(all.code).toBe(0)
    expect(all.out).toContain(
      `valid (fleet mysite; 4 node(s) checked; fingerprint ${configFingerprint(example())})`,
    )
    expect(all.out).toContain('  node lb-b2 (site B): 2 service(s), 1 pool(s), 1 resolver(s)')
    const one = await run(['validate', EXAMPLE, '--node', 'lb-a2', '--json'])
    expect(JSON.parse(one.out).nodes.map((n: Json) => n.node)).toEqual(['lb-a2'])
    const fromEnv = await run(['validate', EXAMPLE, '--json'], { GSLB_LB_NODE: 'lb-b1' })
    expect(JSON.parse(fromEnv.out).nodes.map((n: Json) => n.node)).toEqual(['lb-b1'])
  })

  test('validate names a warning by its path in the fleet file and the nodes it affects', async () => {
    const file = join(dir, 'warning.json')
    writeFileSync(
      file,
      JSON.stringify(withExample((f) => (f.fleet.sites.A.services.DICOM_DNS_PROXY.allow = ['10.1.0.5/16']))),
    )
    const result = await run(['validate', file])
    expect(result.code).toBe(0)
    expect(result.err).toBe(
      "warning: fleet.sites.A.services.DICOM_DNS_PROXY.allow[0]: '10.1.0.5/16' has host bits set below the /16: it is read as 10.1.0.0/16; write that, or the prefix you meant (nodes lb-a1, lb-a2)\n",
    )
  })

  test('validate names a broken fleet by path and node, exit 3', async () => {
    const file = join(dir, 'broken.json')
    writeFileSync(
      file,
      JSON.stringify(withExample((f) => (f.fleet.sites.B.services.DICOM_CLUSTER.balance = 'random'))),
    )
    const result = await run(['validate', file])
    expect(result.code).toBe(3)
    expect(result.err).toContain(
      'fleet.sites.B.services.DICOM_CLUSTER.balance: must be one of "first", "roundrobin", "leastconn", "source" (nodes lb-b1, lb-b2)',
    )
  })

  test('loadConfig picks the node; check/status find its admin API in the fleet file', async () => {
    const file = join(dir, 'fleet.json')
    writeFileSync(
      file,
      JSON.stringify(
        withExample((f) => (f.fleet.nodes['lb-b1'].admin = { listen: { address: '127.0.0.1', port: 1 } })),
      ),
    )
    expect((await loadConfig(file, { node: 'lb-b1' })).admin!.listen).toEqual({
      address: '127.0.0.1',
      port: 1,
    })
    const check = await run(['check', '-c', file, '--node', 'lb-b1', '--timeout', '300ms'])
    expect(check.code).toBe(4)
    expect(check.err).toContain('127.0.0.1:1')
    const unknown = await run(['check', '-c', file, '--node', 'lb-z9'])
    expect(unknown.code).toBe(3)
    expect(unknown.err).toContain("no node 'lb-z9'")
  })
})
