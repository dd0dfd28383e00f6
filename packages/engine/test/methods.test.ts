import { createEngine, type Engine, type EngineConfig, type PoolConfig } from '../src/index.js'
import { addresses, decode, opt, query, ZONE } from './support/dns.js'

const SOURCE = { address: '192.0.2.200' }
const engines: Engine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()))
})

const TOPOLOGY = {
  datacenters: { siteA: ['10.1.0.0/16', '2001:db8:1::/48'], siteB: ['10.2.0.0/16'], siteC: ['10.3.0.0/16'] },
  preferences: { siteA: ['siteB', 'siteC'], siteB: ['siteC', 'siteA'], siteC: ['siteA', 'siteB'] },
}

function withPool(pool: PoolConfig, extra: Partial<EngineConfig> = {}): EngineConfig {
  return {
    zones: { [ZONE]: { ns: [{ name: 'ns1.example.net' }] } },
    pools: { p: pool },
    names: { [`www.${ZONE}`]: { pool: 'p' } },
    topology: TOPOLOGY,
    ...extra,
  }
}

function engineFor(pool: PoolConfig, options: { random?: () => number; extra?: Partial<EngineConfig> } = {}) {
  const engine = createEngine({ config: withPool(pool, options.extra), random: options.random })
  engines.push(engine)
  return engine
}

function ask(engine: Engine, type = 'A', client: { address: string } = SOURCE, ecs?: string) {
  return decode(engine.answer(query(`www.${ZONE}`, type, ecs ? { ecs } : {}), client))
}

/** A deterministic random source cycling through `values`. */
function sequence(...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]!
}

const THREE = [
  { name: 'a', address: '10.1.0.1', datacenter: 'siteA', priority: 10 },
  { name: 'b', address: '10.2.0.1', datacenter: 'siteB', priority: 20 },
  { name: 'c', address: '10.3.0.1', datacenter: 'siteC', priority: 30 },
]

describe('failover', () => {
  test('answers the first healthy member in priority order (not config order)', () => {
    const engine = engineFor({ method: 'failover', members: [THREE[2]!, THREE[0]!, THREE[1]!] })
    expect(addresses(ask(engine))).toEqual(['10.1.0.1'])
    engine.setHealth('p', 'a', 'down')
    expect(addresses(ask(engine))).toEqual(['10.2.0.1'])
    engine.setHealth('p', 'b', 'down')
    expect(addresses(ask(engine))).toEqual(['10.3.0.1'])
    engine.setHealth('p', 'a', 'up')
    expect(addresses(ask(engine))).toEqual(['10.1.0.1'])
  })

  test('maxAnswers > 1: the chosen member first, then the next healthy ones in order', () => {
    const engine = engineFor({ method: 'failover', members: THREE, maxAnswers: 2 })
    expect(addresses(ask(engine))).toEqual(['10.1.0.1', '10.2.0.1'])
    engine.setHealth('p', 'b', 'down')
    expect(addresses(ask(engine))).toEqual(['10.1.0.1', '10.3.0.1'])
    engine.setHealth('p', 'a', 'down')
    expect(addresses(ask(engine))).toEqual(['10.3.0.1'])
  })

  test('disabled members are never answered while others are up', () => {
    const members = THREE.map((m) => (m.name === 'a' ? { ...m, enabled: false } : m))
    const engine = engineFor({ method: 'failover', members })
    expect(addresses(ask(engine))).toEqual(['10.2.0.1'])
  })
})

describe('wrr', () => {
  const members = [
    { name: 'light', address: '10.1.0.1', weight: 1 },
    { name: 'heavy', address: '10.1.0.2', weight: 3 },
  ]

  test('picks by weight: the random ticket falls in a member’s share', () => {
    const engine = engineFor({ method: 'wrr', members }, { random: sequence(0.1, 0.3, 0.9) })
    expect(addresses(ask(engine))).toEqual(['10.1.0.1'])
    expect(addresses(ask(engine))).toEqual(['10.1.0.2'])
    expect(addresses(ask(engine))).toEqual(['10.1.0.2'])
  })

  test('spreads roughly by weight with the real random source', () => {
    const engine = engineFor({ method: 'wrr', members })
    let heavy = 0
    for (let i = 0; i < 2000; i++) if (addresses(ask(engine))[0] === '10.1.0.2') heavy++
    expect(heavy).toBeGreaterThan(1300)
    expect(heavy).toBeLessThan(1700)
  })

  test('skips down members; maxAnswers lists the rest after the weighted choice', () => {
    const engine = engineFor(
      {
        method: 'wrr',
        members: [...members, { name: 'third', address: '10.1.0.3', weight: 2 }],
        maxAnswers: 3,
      },
      { random: sequence(0.99, 0) },
    )
    expect(addresses(ask(engine))).toEqual(['10.1.0.3', '10.1.0.1', '10.1.0.2'])
    engine.setHealth('p', 'heavy', 'down')
    const answer = addresses(ask(engine))
    expect(answer).toHaveLength(2)
    expect(answer).not.toContain('10.1.0.2')
  })
})

describe('topology', () => {
  const members = [
    { name: 'a1', address: '10.1.0.11', datacenter: 'siteA' },
    { name: 'a2', address: '10.1.0.12', datacenter: 'siteA' },
    { name: 'b1', address: '10.2.0.11', datacenter: 'siteB' },
    { name: 'c1', address: '10.3.0.11', datacenter: 'siteC' },
  ]

  test('a client gets a member of its own datacenter, then the next datacenters in preference order', () => {
    const engine = engineFor({ method: 'topology', members, maxAnswers: 4 }, { random: sequence(0) })
    expect(addresses(ask(engine, 'A', { address: '10.1.9.9' }))).toEqual([
      '10.1.0.11',
      '10.1.0.12',
      '10.2.0.11',
      '10.3.0.11',
    ])
    expect(addresses(ask(engine, 'A', { address: '10.2.9.9' }))).toEqual([
      '10.2.0.11',
      '10.3.0.11',
      '10.1.0.11',
      '10.1.0.12',
    ])
    expect(addresses(ask(engine, 'A', { address: '10.3.9.9' }))).toEqual([
      '10.3.0.11',
      '10.1.0.11',
      '10.1.0.12',
      '10.2.0.11',
    ])
  })

  test('weighted within the datacenter', () => {
    const weighted = members.map((m) => (m.name === 'a2' ? { ...m, weight: 9 } : m))
    const engine = engineFor({ method: 'topology', members: weighted }, { random: sequence(0.05, 0.5) })
    expect(addresses(ask(engine, 'A', { address: '10.1.9.9' }))).toEqual(['10.1.0.11'])
    expect(addresses(ask(engine, 'A', { address: '10.1.9.9' }))).toEqual(['10.1.0.12'])
  })

  test('site failover: the next datacenter when every member of the own one is down', () => {
    const engine = engineFor({ method: 'topology', members })
    engine.setHealth('p', 'a1', 'down')
    engine.setHealth('p', 'a2', 'down')
    expect(addresses(ask(engine, 'A', { address: '10.1.9.9' }))).toEqual(['10.2.0.11'])
    engine.setHealth('p', 'b1', 'down')
    expect(addresses(ask(engine, 'A', { address: '10.1.9.9' }))).toEqual(['10.3.0.11'])
  })

  test('a client of unknown location gets datacenters in configuration order, up to maxAnswersViaResolver', () => {
    const engine = engineFor(
      { method: 'topology', members, maxAnswers: 3, maxAnswersViaResolver: 2 },
      { random: sequence(0) },
    )
    expect(addresses(ask(engine, 'A', { address: '172.16.0.1' }))).toEqual(['10.1.0.11', '10.1.0.12'])
  })

  describe('behind a central resolver (issue #11)', () => {
    const sites = [
      { name: 'a', address: '10.1.0.11', datacenter: 'siteA' },
      { name: 'b', address: '10.2.0.11', datacenter: 'siteB' },
    ]
    const CENTRAL = { address: '10.9.0.53' }

    test('regression: an asker in no datacenter without ECS gets one address (a shuffling resolver cannot reorder)', () => {
      const engine = engineFor({ method: 'topology', members: sites, maxAnswers: 2 })
      expect(addresses(ask(engine, 'A', CENTRAL))).toEqual(['10.1.0.11'])
      // A client in a datacenter (the node's own resolver on loopback is one, via node.site) still gets every site.
      expect(addresses(ask(engine, 'A', { address: '10.2.0.9' }))).toEqual(['10.2.0.11', '10.1.0.11'])
      expect(engine.explain(`www.${ZONE}`, 'A', CENTRAL).decisions[0]?.maxAnswers).toBe(1)
    })

    test('with ECS from the central resolver, the client subnet decides; one address, as the resolver may rotate records (lab dns-clients)', () => {
      const engine = engineFor({ method: 'topology', members: sites, maxAnswers: 2 })
      const res = ask(engine, 'A', CENTRAL, '10.2.7.0/24')
      expect(addresses(res)).toEqual(['10.2.0.11'])
      const ecs = opt(res)?.options.find((o) => o.code === 8)
      expect(ecs).toMatchObject({ sourcePrefixLength: 24, scopePrefixLength: 16 })
      // an operator whose resolvers keep record order can ask for every site, in order
      const ordered = engineFor({
        method: 'topology',
        members: sites,
        maxAnswers: 2,
        maxAnswersViaResolver: 2,
      })
      expect(addresses(ask(ordered, 'A', CENTRAL, '10.2.7.0/24'))).toEqual(['10.2.0.11', '10.1.0.11'])
    })

    test('topology.resolvers maps a site-local resolver outside the site subnets into its datacenter', () => {
      const engine = engineFor(
        { method: 'topology', members: sites, maxAnswers: 2 },
        { extra: { topology: { ...TOPOLOGY, resolvers: { siteB: ['10.9.0.53/32'] } } } },
      )
      // a listed resolver caches for its whole site: its site's address only
      expect(addresses(ask(engine, 'A', CENTRAL))).toEqual(['10.2.0.11'])
      expect(addresses(ask(engine, 'A', { address: '10.9.0.54' }))).toEqual(['10.1.0.11'])
      // ECS still wins over the resolver's own place.
      expect(addresses(ask(engine, 'A', CENTRAL, '10.1.3.0/24'))).toEqual(['10.1.0.11'])
    })

    test('maxAnswersViaResolver is validated', () => {
      const bad: [PoolConfig, string][] = [
        [{ method: 'failover', members: sites, maxAnswersViaResolver: 1 }, 'pools.p.maxAnswersViaResolver'],
        [
          { method: 'topology', members: sites, maxAnswers: 2, maxAnswersViaResolver: 3 },
          'pools.p.maxAnswersViaResolver',
        ],
        [{ method: 'topology', members: sites, maxAnswersViaResolver: 0 }, 'pools.p.maxAnswersViaResolver'],
      ]
      for (const [pool, path] of bad) {
        expect(() => createEngine({ config: withPool(pool) })).toThrow(expect.objectContaining({ path }))
      }
      const unknownSite = { topology: { ...TOPOLOGY, resolvers: { siteZ: ['10.9.0.53'] } } }
      expect(() =>
        createEngine({ config: withPool({ method: 'topology', members: sites }, unknownSite) }),
      ).toThrow(expect.objectContaining({ path: 'topology.resolvers.siteZ' }))
      const badCidr = { topology: { ...TOPOLOGY, resolvers: { siteA: ['10.9.0.300/32'] } } }
      expect(() =>
        createEngine({ config: withPool({ method: 'topology', members: sites }, badCidr) }),
      ).toThrow(expect.objectContaining({ path: expect.stringMatching(/^topology\.resolvers\.siteA/) }))
    })
  })

  test('ECS decides the location and its scope is returned', () => {
    const engine = engineFor({ method: 'topology', members })
    const res = ask(engine, 'A', { address: '10.1.9.9' }, '10.2.3.0/24')
    expect(addresses(res)).toEqual(['10.2.0.11'])
    const ecs = opt(res)?.options.find((o) => o.code === 8)
    expect(ecs).toMatchObject({ sourcePrefixLength: 24, scopePrefixLength: 16, ip: '10.2.3.0' })
  })

  test('IPv6 ECS', () => {
    const engine = engineFor({
      method: 'topology',
      members: [...members, { name: 'a6', address: '2001:db8:1::11', datacenter: 'siteA' }],
    })
    const res = ask(engine, 'A', { address: '10.3.9.9' }, '2001:db8:1:2::/56')
    expect(addresses(res)[0]).toMatch(/^10\.1\.0\.1[12]$/)
    expect(opt(res)?.options.find((o) => o.code === 8)).toMatchObject({
      sourcePrefixLength: 56,
      scopePrefixLength: 48,
    })
  })

  test('ECS from an untrusted sender is ignored (source address used, scope 0)', () => {
    const engine = engineFor(
      { method: 'topology', members },
      { extra: { ecs: { trusted: ['192.0.2.0/24'] } } },
    )
    const untrusted = ask(engine, 'A', { address: '10.3.9.9' }, '10.2.3.0/24')
    expect(addresses(untrusted)).toEqual(['10.3.0.11'])
    expect(opt(untrusted)?.options.find((o) => o.code === 8)?.scopePrefixLength).toBe(0)
    const trusted = ask(engine, 'A', { address: '192.0.2.1' }, '10.2.3.0/24')
    expect(addresses(trusted)).toEqual(['10.2.0.11'])
  })

  test('ECS disabled: no option in the response, the source decides', () => {
    const engine = engineFor({ method: 'topology', members }, { extra: { ecs: { enabled: false } } })
    const res = ask(engine, 'A', { address: '10.3.9.9' }, '10.2.3.0/24')
    expect(addresses(res)).toEqual(['10.3.0.11'])
    expect(opt(res)?.options ?? []).toHaveLength(0)
  })

  test('ECS with source prefix 0: the client asked not to be located; the source decides, scope 0', () => {
    const engine = engineFor({ method: 'topology', members })
    const res = ask(engine, 'A', { address: '10.3.9.9' }, '0.0.0.0/0')
    expect(addresses(res)).toEqual(['10.3.0.11'])
    expect(opt(res)?.options.find((o) => o.code === 8)).toMatchObject({
      sourcePrefixLength: 0,
      scopePrefixLength: 0,
    })
  })

  test('answers that do not depend on the client carry ECS scope 0', () => {
    const engine = engineFor({ method: 'failover', members: THREE })
    const res = ask(engine, 'A', { address: '10.1.9.9' }, '10.2.3.0/24')
    expect(opt(res)?.options.find((o) => o.code === 8)).toMatchObject({
      sourcePrefixLength: 24,
      scopePrefixLength: 0,
    })
  })
})

describe('all', () => {
  test('every healthy member up to maxAnswers (default 8), in priority order', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ name: `m${i}`, address: `10.9.0.${i + 1}` }))
    const engine = engineFor({ method: 'all', members: many })
    expect(addresses(ask(engine))).toHaveLength(8)
    engine.setHealth('p', 'm0', 'down')
    expect(addresses(ask(engine))[0]).toBe('10.9.0.2')
    const capped = engineFor({ method: 'all', members: many, maxAnswers: 3 })
    expect(addresses(ask(capped))).toEqual(['10.9.0.1', '10.9.0.2', '10.9.0.3'])
  })
})

describe('families', () => {
  test('A answers IPv4 members, AAAA IPv6 members, each chosen on its own', () => {
    const engine = engineFor({
      method: 'failover',
      members: [
        { name: 'a4', address: '10.1.0.1' },
        { name: 'a6', address: '2001:db8::1' },
        { name: 'b6', address: '2001:db8::2' },
      ],
    })
    expect(addresses(ask(engine, 'A'))).toEqual(['10.1.0.1'])
    expect(addresses(ask(engine, 'AAAA'))).toEqual(['2001:db8::1'])
    engine.setHealth('p', 'a6', 'down')
    expect(addresses(ask(engine, 'AAAA'))).toEqual(['2001:db8::2'])
  })
})

describe('all members down', () => {
  function downEngine(allDown: PoolConfig['allDown'], maxAnswers = 2) {
    const engine = engineFor({ method: 'failover', members: THREE, allDown, maxAnswers })
    for (const m of THREE) engine.setHealth('p', m.name, 'down')
    return engine
  }

  test("'any' (default) serves the enabled members in preference order", () => {
    expect(addresses(ask(downEngine(undefined)))).toEqual(['10.1.0.1', '10.2.0.1'])
    expect(addresses(ask(downEngine('any')))).toEqual(['10.1.0.1', '10.2.0.1'])
  })

  test("'refuse' answers REFUSED", () => {
    const res = ask(downEngine('refuse'))
    expect(res.rcode).toBe('REFUSED')
    expect(res.answers).toHaveLength(0)
  })

  test("'empty' answers NOERROR with no answer and the SOA in authority", () => {
    const res = ask(downEngine('empty'))
    expect(res.rcode).toBe('NOERROR')
    expect(res.flag_aa).toBe(true)
    expect(res.answers).toHaveLength(0)
    expect(res.authorities?.[0]?.type).toBe('SOA')
  })

  test('a fixed fallback list, per family', () => {
    const engine = downEngine(['192.0.2.99', '2001:db8::99'])
    expect(addresses(ask(engine, 'A'))).toEqual(['192.0.2.99'])
    const res = ask(engine, 'AAAA')
    expect(res.rcode).toBe('NOERROR')
    expect(res.answers).toHaveLength(0)
  })

  test("'any' never serves disabled members", () => {
    const members = THREE.map((m) => (m.name === 'a' ? { ...m, enabled: false } : m))
    const engine = engineFor({ method: 'failover', members, allDown: 'any', maxAnswers: 3 })
    for (const m of THREE) engine.setHealth('p', m.name, 'down')
    expect(addresses(ask(engine))).toEqual(['10.2.0.1', '10.3.0.1'])
  })
})

describe('unknown health (before the first check)', () => {
  test("unknownAs 'up' (default) counts unknown members as up", () => {
    const engine = engineFor({ method: 'failover', members: THREE, allDown: 'refuse' })
    expect(addresses(ask(engine))).toEqual(['10.1.0.1'])
  })

  test("unknownAs 'down' applies the all-down action until a member is known up", () => {
    const engine = engineFor({ method: 'failover', members: THREE, allDown: 'refuse', unknownAs: 'down' })
    expect(ask(engine).rcode).toBe('REFUSED')
    engine.setHealth('p', 'c', 'up')
    expect(addresses(ask(engine))).toEqual(['10.3.0.1'])
    engine.setHealth('p', 'a', 'up')
    expect(addresses(ask(engine))).toEqual(['10.1.0.1'])
    engine.setHealth('p', 'a', 'unknown')
    expect(addresses(ask(engine))).toEqual(['10.3.0.1'])
  })
})
