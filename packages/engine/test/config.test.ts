import {
  createEngine,
  type EngineConfig,
  EngineError,
  nextSerial,
  serialFromFingerprint,
  validateEngineConfig,
} from '../src/index.js'
import { decode, query, sampleConfig, ZONE } from './support/dns.js'

type Mutate = (config: EngineConfig & Record<string, unknown>) => void

const cases: [string, Mutate, string][] = [
  ['no zones', (c) => (c.zones = {}), 'zones'],
  ['unknown top-level key', (c) => (c.pool = {}), 'config.pool'],
  [
    'bad zone name',
    (c) => (c.zones['bad..name'] = { ns: ['ns.example.net'] } as never),
    'zones["bad..name"]',
  ],
  ['zone without ns', (c) => (c.zones[ZONE]!.ns = []), `zones["${ZONE}"].ns`],
  [
    'in-zone ns without glue',
    (c) => c.zones[ZONE]!.ns.push({ name: `ns2.${ZONE}` }),
    `zones["${ZONE}"].ns[2].addresses`,
  ],
  [
    'glue for an out-of-zone ns',
    (c) => c.zones[ZONE]!.ns.push({ name: 'ns.other.net', addresses: ['192.0.2.1'] }),
    `zones["${ZONE}"].ns[2].addresses`,
  ],
  [
    'bad glue',
    (c) => (c.zones[ZONE]!.ns[0] = { name: `ns1.${ZONE}`, addresses: ['1.2.3'] }),
    `zones["${ZONE}"].ns[0].addresses[0]`,
  ],
  ['bad soa timer', (c) => (c.zones[ZONE]!.soa = { refresh: -1 }), `zones["${ZONE}"].soa.refresh`],
  ['bad rname', (c) => (c.zones[ZONE]!.soa = { rname: 'a.b@example.org' }), `zones["${ZONE}"].soa.rname`],
  [
    'A record with IPv6',
    (c) => c.zones[ZONE]!.records!.push({ name: 'x', type: 'A', value: '::1' }),
    `zones["${ZONE}"].records[6].value`,
  ],
  [
    'unknown record type',
    (c) => c.zones[ZONE]!.records!.push({ name: 'x', type: 'MX' as 'A', value: 'y' }),
    `zones["${ZONE}"].records[6].type`,
  ],
  [
    'CNAME beside other data',
    (c) => c.zones[ZONE]!.records!.push({ name: 'static', type: 'CNAME', value: 'x.example.com' }),
    `zones["${ZONE}"].records[6]`,
  ],
  [
    'CNAME at the apex',
    (c) => c.zones[ZONE]!.records!.push({ name: '@', type: 'CNAME', value: 'x.example.com' }),
    `zones["${ZONE}"].records[6]`,
  ],
  [
    'wildcard',
    (c) => c.zones[ZONE]!.records!.push({ name: '*', type: 'A', value: '192.0.2.1' }),
    `zones["${ZONE}"].records[6].name`,
  ],
  [
    'name outside every zone',
    (c) => (c.names!['www.example.com'] = { pool: 'main' }),
    'names["www.example.com"]',
  ],
  ['name with unknown pool', (c) => (c.names![`x.${ZONE}`] = { pool: 'nope' }), `names["x.${ZONE}"].pool`],
  ['name on a static A', (c) => (c.names![`static.${ZONE}`] = { pool: 'main' }), `names["static.${ZONE}"]`],
  ['negative ttl', (c) => (c.names![`x.${ZONE}`] = { pool: 'main', ttl: -5 }), `names["x.${ZONE}"].ttl`],
  ['pool without members', (c) => (c.pools!.main!.members = []), 'pools.main.members'],
  ['bad method', (c) => (c.pools!.main!.method = 'random' as 'wrr'), 'pools.main.method'],
  [
    'bad member address',
    (c) => (c.pools!.main!.members[1]!.address = '10.0.0.300'),
    'pools.main.members[1].address',
  ],
  ['duplicate member', (c) => (c.pools!.main!.members[1]!.name = 'a'), 'pools.main.members[1].name'],
  [
    'member name with a slash',
    (c) => (c.pools!.main!.members[1]!.name = 'b/1'),
    'pools.main.members[1].name',
  ],
  ['weight 0', (c) => (c.pools!.main!.members[0]!.weight = 0), 'pools.main.members[0].weight'],
  ['maxAnswers 0', (c) => (c.pools!.main!.maxAnswers = 0), 'pools.main.maxAnswers'],
  ['bad allDown', (c) => (c.pools!.main!.allDown = 'servfail' as 'any'), 'pools.main.allDown'],
  ['bad fallback address', (c) => (c.pools!.main!.allDown = ['192.0.2.1', 'x']), 'pools.main.allDown[1]'],
  ['bad unknownAs', (c) => (c.pools!.main!.unknownAs = 'maybe' as 'up'), 'pools.main.unknownAs'],
  [
    'topology member without datacenter',
    (c) => delete c.pools!.geo!.members[0]!.datacenter,
    'pools.geo.members[0].datacenter',
  ],
  [
    'member in an unknown datacenter',
    (c) => (c.pools!.geo!.members[0]!.datacenter = 'siteZ'),
    'pools.geo.members[0].datacenter',
  ],
  ['topology pool without topology', (c) => delete c.topology, 'pools.geo.method'],
  [
    'bad topology CIDR',
    (c) => (c.topology!.datacenters.siteA = ['10.1.0.0/33']),
    'topology.datacenters.siteA[0]',
  ],
  ['bad ECS trust list', (c) => (c.ecs = { trusted: ['10.0.0.0/8', 'nope'] }), 'ecs.trusted[1]'],
]

describe('config validation names the path', () => {
  test.each(cases)('%s', (_, mutate, path) => {
    const config = sampleConfig() as EngineConfig & Record<string, unknown>
    mutate(config)
    let error: unknown
    try {
      createEngine({ config })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(EngineError)
    expect(error).toMatchObject({ code: 'GSLB_ENGINE_INVALID_CONFIG', path })
    expect((error as Error).message.startsWith(`${path}: `)).toBe(true)
  })

  test('non-object configs and options', () => {
    expect(() => createEngine({ config: null as never })).toThrow(expect.objectContaining({ path: 'config' }))
    expect(() => createEngine(undefined as never)).toThrow(
      expect.objectContaining({ code: 'GSLB_ENGINE_OPTIONS_INVALID', path: 'options' }),
    )
    expect(() => createEngine({ config: sampleConfig(), health: {} as never })).toThrow(
      expect.objectContaining({ code: 'GSLB_ENGINE_OPTIONS_INVALID', path: 'health' }),
    )
  })
})

describe('validateEngineConfig', () => {
  test('accepts what createEngine accepts', () => {
    expect(validateEngineConfig(sampleConfig())).toEqual([])
  })

  test.each(cases)('reports what createEngine refuses, at the same path: %s', (_, mutate, path) => {
    const config = sampleConfig() as EngineConfig & Record<string, unknown>
    mutate(config)
    const thrown = (() => {
      try {
        createEngine({ config })
      } catch (e) {
        return e as EngineError
      }
    })()
    expect(validateEngineConfig(config)).toContainEqual({
      path,
      message: thrown?.message.slice(`${path}: `.length),
    })
  })

  test('reports every pool, the topology and ecs at once; a name of a broken pool is not reported again', () => {
    const config = sampleConfig() as EngineConfig & Record<string, unknown>
    config.pools!.main!.members[0]!.address = '10.1.0.500'
    config.pools!.geo!.method = 'nearest' as never
    config.ecs = { trusted: ['nope'] }
    const issues = validateEngineConfig(config)
    expect(issues.map((issue) => issue.path)).toEqual([
      'pools.main.members[0].address',
      'pools.geo.method',
      'ecs.trusted[0]',
    ])
  })

  test('a config with many problems gets every one of them at once, each at its path; createEngine throws the first', () => {
    const config = sampleConfig() as EngineConfig & Record<string, unknown>
    const geo = config.pools!.geo!
    geo.members[1]!.name = 'a1' // a duplicate member
    delete geo.members[2]!.datacenter // a topology pool's member without a datacenter
    geo.members[3]!.weight = 0 // and another problem of the same pool
    config.names![`x.${ZONE}`] = { pool: 'nope' } // an unknown pool
    config.names!['www.example.com'] = { pool: 'main' } // a name outside every zone
    config.names!['y.elsewhere.test'] = { pool: 'gone', ttl: -1 } // three problems of one name
    const zone = config.zones[ZONE]!
    zone.soa = { refresh: -1, retry: -2 }
    zone.records!.push({ name: 'x', type: 'A', value: '::1' })
    zone.records!.push({ name: 'static', type: 'CNAME', value: 'x.example.com' })
    config.zones['other.test'] = { ns: [] }
    config.ecs = { enabled: 'yes' as never }
    const issues = validateEngineConfig(config)
    const at = (path: string, message: string | RegExp) => ({
      path,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
    })
    const expected = [
      at('pools.geo.members[1].name', "'a1' is used twice"),
      at('pools.geo.members[2].datacenter', "is required: the pool's method is 'topology'"),
      at('pools.geo.members[3].weight', /must be an integer/),
      at('ecs.enabled', /must be true or false/),
      at(`names["x.${ZONE}"].pool`, "'nope' is not a pool in pools (pools: geo, main)"),
      at('names["y.elsewhere.test"].pool', "'gone' is not a pool in pools (pools: geo, main)"),
      at('names["y.elsewhere.test"].ttl', /must be an integer/),
      at('names["www.example.com"]', "'www.example.com' is not inside any zone of zones"),
      at('names["y.elsewhere.test"]', "'y.elsewhere.test' is not inside any zone of zones"),
      at(`zones["${ZONE}"].soa.refresh`, /must be an integer/),
      at(`zones["${ZONE}"].soa.retry`, /must be an integer/),
      at(`zones["${ZONE}"].records[6].value`, /IPv6 address; an A record needs IPv4/),
      at(`zones["${ZONE}"].records[7]`, /a CNAME must be alone/),
      at('zones["other.test"].ns', 'must list at least one name server'),
    ]
    expect(issues).toEqual(expect.arrayContaining(expected))
    expect(issues).toHaveLength(expected.length)
    // A name on the broken pool geo is not reported again.
    expect(issues.some((issue) => issue.path.startsWith(`names["geo.`))).toBe(false)
    expect(() => createEngine({ config })).toThrow(
      expect.objectContaining({ code: 'GSLB_ENGINE_INVALID_CONFIG', path: issues[0]!.path }),
    )
  })

  test('every unknown key, every bad member and every bad monitor field of one pool', () => {
    const config = sampleConfig() as EngineConfig & Record<string, unknown>
    Object.assign(config, { pool: {}, name: {} })
    const main = config.pools!.main!
    main.members[0]!.address = 'nope'
    main.members[2]!.priority = 1.5
    main.monitors = [{ port: 0, monitor: { type: 'http', path: 'no-slash' } } as never]
    const paths = validateEngineConfig(config).map((issue) => issue.path)
    expect(paths).toEqual([
      'config.pool',
      'config.name',
      'pools.main.members[0].address',
      'pools.main.members[2].priority',
      'pools.main.monitors[0].port',
    ])
    main.monitors = [{ port: 104, monitor: { type: 'http', path: 'no-slash' } } as never]
    main.members[0]!.address = '10.1.0.50'
    main.members[2]!.priority = 3
    delete (config as Record<string, unknown>).pool
    delete (config as Record<string, unknown>).name
    expect(validateEngineConfig(config).map((issue) => issue.path)).toEqual([
      'pools.main.monitors[0].monitor.path',
    ])
  })

  test('a topology pool without a topology', () => {
    const config = sampleConfig() as EngineConfig & Record<string, unknown>
    delete config.topology
    const issues = validateEngineConfig(config)
    expect(issues).toContainEqual({
      path: 'pools.geo.method',
      message: "'topology' needs a topology (config.topology or the topology option)",
    })
  })

  test('not an object', () => {
    expect(validateEngineConfig(null)).toEqual([{ path: 'config', message: expect.stringMatching(/object/) }])
  })
})

describe('config forms', () => {
  test('record names: relative, @, or full; NS as plain strings; rname as a mailbox', async () => {
    const engine = createEngine({
      config: {
        zones: {
          'Example.TEST.': {
            soa: { rname: 'ops@example.test' },
            ns: ['ns.elsewhere.net'],
            records: [
              { name: '@', type: 'TXT', value: ['v=1', 'v=2'] },
              { name: 'www', type: 'A', value: '192.0.2.1' },
              { name: 'full.example.test', type: 'AAAA', value: '2001:DB8::0:1' },
            ],
          },
        },
      },
    })
    const client = { address: '127.0.0.1' }
    expect(decode(engine.answer(query('example.test', 'TXT'), client)).answers).toHaveLength(2)
    expect(decode(engine.answer(query('www.example.test', 'A'), client)).answers?.[0]?.data).toBe('192.0.2.1')
    expect(decode(engine.answer(query('full.example.test', 'AAAA'), client)).answers?.[0]?.data).toBe(
      '2001:db8::1',
    )
    const soa = decode(engine.answer(query('example.test', 'SOA'), client)).answers?.[0]?.data
    expect(soa).toMatchObject({ mname: 'ns.elsewhere.net', rname: 'ops.example.test' })
    await engine.close()
  })

  test('a record name with a trailing dot is absolute: outside the zone it is refused, never re-rooted into it', () => {
    const zones = (name: string) => ({
      zones: {
        'example.test': { ns: ['ns.elsewhere.net'], records: [{ name, type: 'A', value: '192.0.2.1' }] },
      },
    })
    expect(validateEngineConfig(zones('x.other.org.'))).toEqual([
      {
        path: 'zones["example.test"].records[0].name',
        message: expect.stringContaining(
          "'x.other.org.' is an absolute name outside the zone 'example.test'",
        ),
      },
    ])
    expect(validateEngineConfig(zones('www.example.test.'))).toEqual([])
    expect(validateEngineConfig(zones('x.other.org'))).toEqual([])
  })

  test('nested zones: the longest zone owns its names', async () => {
    const engine = createEngine({
      config: {
        zones: {
          'example.test': {
            ns: ['ns.elsewhere.net'],
            records: [{ name: 'www', type: 'A', value: '192.0.2.1' }],
          },
          'sub.example.test': {
            ns: ['ns.elsewhere.net'],
            records: [{ name: 'www', type: 'A', value: '192.0.2.2' }],
          },
        },
      },
    })
    const client = { address: '127.0.0.1' }
    const nx = decode(engine.answer(query('nope.sub.example.test', 'A'), client))
    expect(nx.authorities?.[0]?.name).toBe('sub.example.test')
    expect(decode(engine.answer(query('www.sub.example.test', 'A'), client)).answers?.[0]?.data).toBe(
      '192.0.2.2',
    )
    await engine.close()
  })
})

describe('SOA serial', () => {
  function serialOf(engine: ReturnType<typeof createEngine>): number {
    return decode(engine.answer(query(ZONE, 'SOA'), { address: '127.0.0.1' })).answers?.[0]?.data.serial
  }

  test('regression (issue #12): two nodes with the same content serve the same serial, also after a restart', async () => {
    const nodeA = createEngine({ config: sampleConfigWithoutSoa(), now: () => 1_000 })
    const restarted = createEngine({ config: reordered(sampleConfigWithoutSoa()), now: () => 9_999_999 })
    expect(serialOf(restarted)).toBe(serialOf(nodeA))
    expect(serialOf(nodeA)).toBe(serialFromFingerprint(nodeA.soaState()[ZONE]!.fingerprint))
    await Promise.all([nodeA.close(), restarted.close()])
  })

  test('automatic: kept while the content is unchanged, grows when it changes; a serial:change event says so', async () => {
    const engine = createEngine({ config: sampleConfigWithoutSoa() })
    const first = serialOf(engine)
    const events: unknown[] = []
    engine.on('serial:change', (e) => events.push(e))
    engine.update(sampleConfigWithoutSoa())
    expect(serialOf(engine)).toBe(first)
    const updates: unknown[] = []
    engine.on('config:update', (e) => updates.push(e))
    const changed = sampleConfigWithoutSoa()
    changed.pools!.main!.members[1]!.address = '10.2.0.99' // a member's address is zone content
    engine.update(changed)
    const second = serialOf(engine)
    const step = (second - first) >>> 0
    expect(step).toBeGreaterThan(0)
    expect(step).toBeLessThanOrEqual(0x10000)
    expect(updates).toEqual([{ zones: 1, pools: 2, names: 3, changedZones: [ZONE] }])
    expect(events).toEqual([
      { zone: ZONE, serial: second, previous: first, fingerprint: engine.soaState()[ZONE]!.fingerprint },
    ])
    // Going back to the first content is a change too: the serial never goes back.
    engine.update(sampleConfigWithoutSoa())
    expect((serialOf(engine) - second) >>> 0 > 0).toBe(true)
    await engine.close()
  })

  test('health state is not content: a member going down keeps the serial', async () => {
    const engine = createEngine({ config: sampleConfigWithoutSoa() })
    const before = serialOf(engine)
    engine.setHealth('main', 'a', 'down')
    engine.update(sampleConfigWithoutSoa())
    expect(serialOf(engine)).toBe(before)
    await engine.close()
  })

  test('soaState: a restarted node continues from its previous serials (kept, or moved on after a change)', async () => {
    const first = createEngine({ config: sampleConfigWithoutSoa() })
    const changed = sampleConfigWithoutSoa()
    changed.names![`new.${ZONE}`] = { pool: 'main' }
    first.update(changed)
    const state = first.soaState()
    const served = serialOf(first)
    await first.close()
    const unchanged = createEngine({ config: changed, soaState: JSON.parse(JSON.stringify(state)) })
    expect(serialOf(unchanged)).toBe(served)
    const moved = createEngine({ config: sampleConfigWithoutSoa(), soaState: state })
    expect(serialOf(moved)).toBe(nextSerial(served, moved.soaState()[ZONE]!.fingerprint))
    expect(() =>
      createEngine({ config: changed, soaState: { [ZONE]: { serial: -1, fingerprint: '' } } }),
    ).toThrow(
      expect.objectContaining({
        code: 'GSLB_ENGINE_OPTIONS_INVALID',
        path: `soaState["${ZONE}"].serial`,
      }),
    )
    await Promise.all([unchanged.close(), moved.close()])
  })

  test('an automatic serial moves on from a fixed one', async () => {
    const engine = createEngine({ config: sampleConfig() })
    engine.update(sampleConfigWithoutSoa())
    expect((serialOf(engine) - 2024010101) >>> 0 > 0).toBe(true)
    expect((serialOf(engine) - 2024010101) >>> 0 <= 0x10001).toBe(true)
    await engine.close()
  })

  /** The same content with every object's keys in another order (as another node's file might have it). */
  function reordered(config: EngineConfig): EngineConfig {
    const flip = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(flip)
      if (value === null || typeof value !== 'object') return value
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([k, v]) => [k, flip(v)]),
      )
    }
    return flip(config) as EngineConfig
  }

  test('fixed serial is served as given', async () => {
    const engine = createEngine({ config: sampleConfig() })
    expect(serialOf(engine)).toBe(2024010101)
    await engine.close()
  })

  function sampleConfigWithoutSoa(): EngineConfig {
    const config = sampleConfig()
    delete config.zones[ZONE]!.soa
    return config
  }
})
