import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { starterConfig } from '../src/config/init.js'
import { loadConfig, parseConfigText } from '../src/config/load.js'
import { configSchema } from '../src/config/schema.js'
import { validateConfig } from '../src/config/validate.js'
import { fixture, issuesOf, type Json, seed } from './helpers.js'

function withSeed(edit: (config: Json) => void): Json {
  const config = seed() as Json
  edit(config)
  return config
}

const messagesAt = (config: unknown) =>
  issuesOf(() => validateConfig(config)).map((i) => `${i.path}: ${i.message}`)

describe('the seed deployment', () => {
  test('is expressible as is and valid', async () => {
    const config = await loadConfig(fixture('seed.json'))
    const proxy = config.services!.DICOM_DNS_PROXY!
    expect(proxy.backends).toEqual([{ name: 'dicom.mysite.com', port: 104, resolver: 'local-first' }])
    expect(config.resolvers!['local-first']!.nameservers).toEqual(['127.0.0.1:53', '10.0.0.2'])
    expect(config.gslb!.pools!.dicom!.members.map((m) => m.datacenter)).toEqual(['A', 'B'])
    expect(config.monitors!['dicom-echo']!.type).toBe('dicom')
  })

  test('durations become milliseconds wherever they appear', async () => {
    const config = await loadConfig(fixture('seed.json'))
    expect(config.node.drainTimeout).toBe(30_000)
    expect(config.monitors!['dicom-echo']!.interval).toBe(2_000)
    expect(config.resolvers!['local-first']!.timeout).toBe(500)
    expect(config.services!.DICOM_DNS_PROXY!.limits).toEqual({
      connectTimeout: 1_000,
      idleTimeout: 3_600_000,
    })
    const numeric = validateConfig(withSeed((c) => (c.resolvers['local-first'].interval = 1500)))
    expect(numeric.resolvers!['local-first']!.interval).toBe(1_500)
  })

  test('the starting config from `init` is valid', () => {
    expect(() => validateConfig(starterConfig())).not.toThrow()
  })
})

describe('schema errors', () => {
  test('every problem is reported at once, each as path: message', () => {
    const messages = messagesAt(
      withSeed((c) => {
        c.node.colour = 'blue'
        c.services.DICOM_DNS_PROXY.limits.connectTimeout = '5 s'
        c.services.DICOM_DNS_PROXY.listen[0].port = 70000
        c.gslb.pools.dicom.method = 'random'
        c.monitors['dicom-echo'].type = 'icmp'
        delete c.services.DICOM_CLUSTER_A.backends
      }),
    )
    expect(messages).toEqual(
      expect.arrayContaining([
        'node.colour: unknown key',
        expect.stringMatching(
          /^services\.DICOM_DNS_PROXY\.limits\.connectTimeout: "5 s" is not valid: expected a duration/,
        ),
        'services.DICOM_DNS_PROXY.listen[0].port: must be <= 65535',
        expect.stringMatching(
          /^gslb\.pools\.dicom\.method: must be one of "failover", "topology", "wrr", "all"/,
        ),
        expect.stringMatching(/^monitors\.dicom-echo\.type: must be one of/),
        'services.DICOM_CLUSTER_A.backends: is required',
      ]),
    )
    expect(messages).toHaveLength(6)
  })

  test.each([
    ['the top level', (c: Json) => (c.extra = 1), 'extra'],
    ['a monitor', (c: Json) => (c.monitors['dicom-echo'].aet = 'X'), 'monitors.dicom-echo.aet'],
    [
      'a member',
      (c: Json) => (c.gslb.pools.dicom.members[0].ip = '1.2.3.4'),
      'gslb.pools.dicom.members[0].ip',
    ],
    [
      'a backend',
      (c: Json) => (c.services.DICOM_CLUSTER_A.backends[0].host = 'x'),
      'services.DICOM_CLUSTER_A.backends[0].host',
    ],
    ['a resolver', (c: Json) => (c.resolvers['local-first'].servers = []), 'resolvers.local-first.servers'],
    ['the admin API', (c: Json) => (c.admin.password = 'x'), 'admin.password'],
  ])('an unknown key in %s is refused', (_where, edit, path) => {
    expect(messagesAt(withSeed(edit))).toContain(`${path}: unknown key`)
  })

  test('$comment is accepted on every object', () => {
    const config = withSeed((c) => {
      c.gslb.pools.dicom.members[0].$comment = 'site A VIP'
      c.services.DICOM_CLUSTER_A.limits = { $comment: 'defaults' }
      c.admin.$comment = 'loopback only'
    })
    expect(() => validateConfig(config)).not.toThrow()
  })

  test('a bad name key is named', () => {
    expect(messagesAt(withSeed((c) => (c.services['bad name'] = c.services.DICOM_CLUSTER_A)))).toContain(
      'services: "bad name" is not a valid name (letters, digits, _ - . ; at most 63)',
    )
  })

  test('a JSON syntax error gives the line and column', () => {
    const issues = issuesOf(() => parseConfigText('{\n  "node": { "name": "x", }\n}', 'x.json'))
    expect(issues[0]!.message).toMatch(/not valid JSON \(line 2, column \d+\)/)
  })

  test('an unreadable file is GSLB_CONFIG_UNREADABLE', async () => {
    await expect(loadConfig('/nonexistent/gslb-lb.json')).rejects.toMatchObject({
      code: 'GSLB_CONFIG_UNREADABLE',
    })
  })

  test('the file name is in the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gslb-cli-'))
    try {
      const file = join(dir, 'bad.json')
      writeFileSync(file, JSON.stringify({ node: {} }))
      await expect(loadConfig(file)).rejects.toThrow(
        `invalid configuration ${file} (1 error(s)):\n  node.name: is required`,
      )
    } finally {
      rmSync(dir, { recursive: true })
    }
  })
})

describe('cross-references', () => {
  test.each<[string, (c: Json) => void, string]>([
    [
      'unknown pool',
      (c) => (c.gslb.names[0].pool = 'pacs'),
      "gslb.names[0].pool: 'pacs' is not a pool in pools (pools: dicom)",
    ],
    [
      'unknown datacenter of a member',
      (c) => (c.gslb.pools.dicom.members[1].datacenter = 'C'),
      "gslb.pools.dicom.members[1].datacenter: 'C' is not a datacenter of topology.datacenters (datacenters: A, B)",
    ],
    [
      'unknown datacenter of the node',
      (c) => (c.node.site = 'Z'),
      "node.site: unknown datacenter 'Z' (known: A, B)",
    ],
    [
      'unknown datacenter in preferences',
      (c) => (c.topology.preferences.A = ['C']),
      "topology.preferences.A[0]: unknown datacenter 'C' (configured: A, B)",
    ],
    [
      'a datacenter preferring itself',
      (c) => (c.topology.preferences.A = ['A']),
      "topology.preferences.A[0]: 'A' is the datacenter itself; it always comes first",
    ],
    [
      'unknown resolver',
      (c) => (c.services.DICOM_DNS_PROXY.backends[0].resolver = 'primary'),
      "services.DICOM_DNS_PROXY.backends[0].resolver: unknown resolver 'primary' (known: local-first)",
    ],
    [
      'a name found only on Object.prototype is unknown (it crashed the engine mapping)',
      (c) => (c.node.site = '__proto__'),
      "node.site: unknown datacenter '__proto__' (known: A, B)",
    ],
    [
      'a monitor named like an Object.prototype key is unknown',
      (c) => (c.gslb.pools.dicom.monitor = 'constructor'),
      "gslb.pools.dicom.monitor: unknown monitor 'constructor' (known: dicom-echo, tcp-connect)",
    ],
    [
      'unknown monitor of a pool',
      (c) => (c.gslb.pools.dicom.monitor = 'ping'),
      "gslb.pools.dicom.monitor: unknown monitor 'ping' (known: dicom-echo, tcp-connect)",
    ],
    [
      'unknown monitor of a service',
      (c) => (c.services.DICOM_CLUSTER_A.monitor = 'ping'),
      "services.DICOM_CLUSTER_A.monitor: unknown monitor 'ping' (known: dicom-echo, tcp-connect)",
    ],
    [
      'two services on one address:port',
      (c) => (c.services.DICOM_CLUSTER_A_TCP.listen[0].port = 104),
      "services.DICOM_CLUSTER_A_TCP.listen[0]: 10.1.0.100:104 is also used by service 'DICOM_CLUSTER_A' (services.DICOM_CLUSTER_A.listen[0])",
    ],
    [
      'a wildcard listener overlapping a VIP',
      (c) => (c.services.DICOM_CLUSTER_A_TCP.listen[0] = { address: '0.0.0.0', port: 104 }),
      "services.DICOM_CLUSTER_A_TCP.listen[0]: 0.0.0.0:104 is also used by service 'DICOM_DNS_PROXY' (services.DICOM_DNS_PROXY.listen[0])",
    ],
    [
      'a loopback nameserver without a local engine listener there',
      (c) => (c.resolvers['local-first'].nameservers[0] = '127.0.0.1:5353'),
      "resolvers.local-first.nameservers[0]: 127.0.0.1:5353 looks like this node's engine (same address or port as a gslb.listen entry), but no gslb.listen entry listens there (engine listeners: 127.0.0.1:53, 10.1.0.11:53); use 'engine' for this node's engine",
    ],
    [
      'a nameserver that is not address[:port]',
      (c) => (c.resolvers['local-first'].nameservers[1] = 'dns.example'),
      "resolvers.local-first.nameservers[1]: 'dns.example' is not address[:port] (e.g. 10.0.0.2, 127.0.0.1:53, [::1]:53) or 'engine'",
    ],
    [
      'a non-loopback admin API without a token',
      (c) => (c.admin.listen.address = '10.1.0.11'),
      'admin.token: is required because admin.listen (10.1.0.11) is not a loopback address',
    ],
    [
      'a service checked by an http monitor',
      (c) => {
        c.monitors.web = { type: 'http' }
        c.services.DICOM_CLUSTER_A.monitor = 'web'
      },
      "services.DICOM_CLUSTER_A.monitor: monitor 'web' is of type http; services check servers with tcp or dicom monitors",
    ],
    [
      'a topology pool member without a datacenter',
      (c) => delete c.gslb.pools.dicom.members[0].datacenter,
      "gslb.pools.dicom.members[0].datacenter: is required: the pool's method is 'topology'",
    ],
    [
      'a global name outside every zone',
      (c) => (c.gslb.names[0].name = 'pacs.other.org'),
      "gslb.names[0]: 'pacs.other.org' is not inside any zone of zones",
    ],
    [
      'a member listed twice',
      (c) => (c.gslb.pools.dicom.members[1].name = 'siteA'),
      "gslb.pools.dicom.members[1].name: 'siteA' is used twice",
    ],
    [
      'an invalid address',
      (c) => (c.services.DICOM_CLUSTER_A.backends[0].address = '10.1.1.300'),
      'services.DICOM_CLUSTER_A.backends[0].address: expected an IP address, got "10.1.1.300"',
    ],
    [
      'an invalid subnet',
      (c) => (c.topology.datacenters.A.cidrs[0] = '10.1.0.0/33'),
      'topology.datacenters.A.cidrs[0]: prefix length 33 is out of range 0-32',
    ],
    [
      'a pool monitor with no port to check',
      (c) => delete c.gslb.pools.dicom.port,
      "gslb.pools.dicom.port: is required: monitor 'dicom-echo' sets no port, so there is no port to check",
    ],
    [
      'one name resolved by two resolvers',
      (c) => {
        c.resolvers.other = { nameservers: ['10.0.0.3'] }
        c.services.DICOM_CLUSTER_A_TCP.backends = [
          { name: 'dicom.mysite.com', port: 11112, resolver: 'other' },
        ]
      },
      "services.DICOM_CLUSTER_A_TCP.backends[0].resolver: 'dicom.mysite.com' is already resolved by resolver 'local-first' (services.DICOM_DNS_PROXY.backends[0].resolver); one name, one resolver",
    ],
    [
      'a subnet in two datacenters',
      (c) => (c.topology.datacenters.B.cidrs[0] = '10.1.0.0/16'),
      "topology.datacenters.B.cidrs[0]: prefix 10.1.0.0/16 is already listed as datacenters.A[0] ('10.1.0.0/16'); a prefix can belong to one datacenter only",
    ],
  ])('%s is an error', (_what, edit, message) => {
    expect(messagesAt(withSeed(edit))).toContain(message)
  })

  test('several cross-reference errors are reported together', () => {
    const messages = messagesAt(
      withSeed((c) => {
        c.gslb.names[0].pool = 'nope'
        c.node.site = 'Z'
        c.admin.listen.address = '0.0.0.0'
      }),
    )
    expect(messages).toHaveLength(3)
  })

  test('a wildcard engine listener serves loopback nameservers of its own family only', () => {
    const v4 = withSeed((c) => (c.gslb.listen = [{ address: '0.0.0.0', port: 53 }]))
    expect(() => validateConfig(v4)).not.toThrow()
    const v6only = withSeed((c) => (c.gslb.listen = [{ address: '::', port: 53 }]))
    expect(messagesAt(v6only)).toContain(
      "resolvers.local-first.nameservers[0]: 127.0.0.1:53 looks like this node's engine (same address or port as a gslb.listen entry), but no gslb.listen entry listens there (engine listeners: [::]:53); use 'engine' for this node's engine",
    )
  })

  test('other DNS servers on this host are taken as written (a local unbound, a separate engine process)', () => {
    // shares neither address nor port with the engine's listeners (127.0.0.1:53, 10.1.0.11:53)
    const other = withSeed((c) => (c.resolvers['local-first'].nameservers[0] = '127.0.3.53:15354'))
    expect(() => validateConfig(other)).not.toThrow()
    // same address as an engine listener, other port: a typo
    const typo = withSeed((c) => (c.gslb.listen = [{ address: '127.0.0.1', port: 5353 }]))
    expect(messagesAt(typo)).toContain(
      "resolvers.local-first.nameservers[0]: 127.0.0.1:53 looks like this node's engine (same address or port as a gslb.listen entry), but no gslb.listen entry listens there (engine listeners: 127.0.0.1:5353); use 'engine' for this node's engine",
    )
  })

  test("'engine' as a nameserver needs a gslb section", () => {
    const config = withSeed((c) => {
      delete c.gslb
      c.resolvers['local-first'].nameservers = ['engine']
    })
    expect(messagesAt(config)).toContain(
      "resolvers.local-first.nameservers[0]: 'engine' means this node's GSLB engine, but gslb is not configured",
    )
  })

  test('a token makes a non-loopback admin API valid', () => {
    const config = withSeed((c) => {
      c.admin.listen.address = '10.1.0.11'
      c.admin.token = 'a-long-enough-secret-token'
    })
    expect(() => validateConfig(config)).not.toThrow()
  })

  test("the engine's rules are reported at the file's paths, with the node's own rules in one run", () => {
    const messages = messagesAt(
      withSeed((c) => {
        c.node.site = 'Z' // the node's rule
        c.topology.datacenters.A.resolvers = ['10.9.0.0/99'] // the engine's: a list of its own there
        c.gslb.zones[0].nameservers = [{ name: 'ns1.other.org', addresses: ['192.0.2.1'] }] // the engine's `ns`
      }),
    )
    expect(messages).toEqual([
      "node.site: unknown datacenter 'Z' (known: A, B)",
      'topology.datacenters.A.resolvers[0]: prefix length 99 is out of range 0-32',
      "gslb.zones[0].nameservers[0].addresses: 'ns1.other.org' is outside the zone; glue is only for in-zone names",
    ])
  })

  test('a zone or a name listed twice under one key is the node check; two spellings of one name the engine', () => {
    const sameKey = withSeed((c) => {
      c.gslb.zones.push({ ...c.gslb.zones[0] })
      c.gslb.names.push({ ...c.gslb.names[0] })
    })
    expect(messagesAt(sameKey)).toEqual([
      "gslb.zones[1].name: zone 'dicom.mysite.com' is listed twice",
      "gslb.names[1].name: 'dicom.mysite.com' is listed twice",
    ])
    const spelledOtherwise = withSeed((c) => {
      c.gslb.zones.push({ ...c.gslb.zones[0], name: 'DICOM.mysite.com.' })
    })
    expect(messagesAt(spelledOtherwise)).toEqual(["gslb.zones[1]: is the same zone as 'dicom.mysite.com'"])
  })

  test("a pool monitor with no port is reported once, at the pool (not again at the engine's monitor copy)", () => {
    expect(messagesAt(withSeed((c) => delete c.gslb.pools.dicom.port))).toEqual([
      "gslb.pools.dicom.port: is required: monitor 'dicom-echo' sets no port, so there is no port to check",
    ])
  })

  test("a value both the node and a library refuse is reported once, in the node's words", () => {
    const twice = withSeed((c) =>
      c.services.DICOM_CLUSTER_A.listen.push({ address: '10.1.0.100', port: 104 }),
    )
    expect(messagesAt(twice)).toEqual([
      "services.DICOM_CLUSTER_A.listen[1]: 10.1.0.100:104 is also used by service 'DICOM_CLUSTER_A' (services.DICOM_CLUSTER_A.listen[0])",
    ])
  })

  test('rules the libraries enforce are reported by validation too', () => {
    const messages = messagesAt(withSeed((c) => (c.gslb.zones[0].nameservers = ['ns1.dicom.mysite.com'])))
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(/^gslb\.zones/)
    expect(messages[0]).toMatch(/glue/)
  })
})

describe('the published schema', () => {
  const file = join(__dirname, '..', 'schema', 'gslb-lb.schema.json')

  test('schema/gslb-lb.schema.json is the schema the validator uses (run `pnpm build && pnpm schema`)', () => {
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(configSchema)))
  })

  test('docs/configuration.md mentions every property of the schema', () => {
    const docs = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'configuration.md'), 'utf8')
    const names = new Set<string>()
    const walk = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(walk)
      if (node === null || typeof node !== 'object') return
      const record = node as Record<string, unknown>
      if (record.properties && typeof record.properties === 'object') {
        for (const key of Object.keys(record.properties)) names.add(key)
      }
      for (const value of Object.values(record)) walk(value)
    }
    walk(configSchema)
    const missing = [...names].filter((name) => !docs.includes(`\`${name}\``))
    expect(missing).toEqual([])
  })
})
