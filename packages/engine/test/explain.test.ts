import { createEngine, type Engine } from '../src/index.js'
import { sampleConfig, ZONE } from './support/dns.js'

let engine: Engine
beforeEach(() => {
  engine = createEngine({ config: sampleConfig(), random: () => 0 })
})
afterEach(() => engine.close())

test('a topology decision: client datacenter from ECS, candidates with health, order, answer and why (one answer: asked through a resolver)', () => {
  engine.setHealth('geo', 'b1', 'down')
  const result = engine.explain(`geo.${ZONE}`, 'A', { address: '192.0.2.7', ecs: '10.2.3.0/24' })
  expect(JSON.parse(JSON.stringify(result))).toEqual(result)
  expect(result.client).toEqual({
    address: '192.0.2.7',
    ecs: '10.2.3.0/24',
    ecsUsed: true,
    ecsIgnored: null,
    datacenter: 'siteB',
    ecsScope: 16,
  })
  expect(result.rcode).toBe('NOERROR')
  expect(result.zone).toBe(ZONE)
  expect(result.answers.map((a) => a.data)).toEqual(['10.1.0.51'])
  const decision = result.decisions[0]!
  expect(decision).toMatchObject({
    pool: 'geo',
    method: 'topology',
    family: 4,
    outcome: 'healthy',
    maxAnswers: 1,
  })
  expect(decision.datacenterOrder).toEqual(['siteA', 'siteC'])
  expect(decision.candidates.find((c) => c.member === 'b1')).toMatchObject({
    observed: 'down',
    effective: 'down',
    eligible: false,
    position: null,
    healthSource: 'pushed',
  })
  expect(decision.candidates.find((c) => c.member === 'a1')).toMatchObject({ eligible: true, position: 1 })
  expect(result.reason).toContain("asked through a resolver for datacenter 'siteB'")
})

test('the source address locates the client without ECS', () => {
  const result = engine.explain(`geo.${ZONE}`, 'AAAA', { address: '10.1.44.1' })
  expect(result.client).toMatchObject({ ecsUsed: false, datacenter: 'siteA', ecsScope: null })
  expect(result.answers.map((a) => a.data)).toEqual(['2001:db8:1::51', '2001:db8:2::51'])
})

test('the client is located even when the answer does not depend on it (a failover pool)', () => {
  const result = engine.explain(`pacs.${ZONE}`, 'A', { address: '192.0.2.7', ecs: '10.2.3.0/24' })
  expect(result.client).toEqual({
    address: '192.0.2.7',
    ecs: '10.2.3.0/24',
    ecsUsed: true,
    ecsIgnored: null,
    datacenter: 'siteB',
    ecsScope: 0,
  })
  expect(engine.explain(`pacs.${ZONE}`, 'A', { address: '10.3.0.9' }).client.datacenter).toBe('siteC')
})

test('an ECS subnet is either used or ignored with a reason, never neither', () => {
  const noTopology = sampleConfig()
  delete noTopology.topology
  delete noTopology.pools!.geo
  delete noTopology.names![`geo.${ZONE}`]
  const engines = [engine, createEngine({ config: noTopology })]
  try {
    for (const e of engines) {
      for (const name of [`pacs.${ZONE}`, `geo.${ZONE}`, `static.${ZONE}`, `nope.${ZONE}`, 'example.com']) {
        for (const ecs of ['10.2.3.0/24', '0.0.0.0/0']) {
          const { client } = e.explain(name, 'A', { address: '192.0.2.7', ecs })
          const ignoredWithReason = client.ecsIgnored !== null
          expect({ name, ecs, ignoredWithReason }).toEqual({ name, ecs, ignoredWithReason: !client.ecsUsed })
        }
      }
    }
    const { client } = engines[1]!.explain(`pacs.${ZONE}`, 'A', { address: '192.0.2.7', ecs: '10.2.3.0/24' })
    expect(client).toMatchObject({ ecsUsed: false, datacenter: null })
    expect(client.ecsIgnored).toContain('no topology')
  } finally {
    void engines[1]!.close()
  }
})

test('all down: the reason names the all-down action', () => {
  for (const m of ['a', 'b', 'c']) engine.setHealth('main', m, 'down')
  const result = engine.explain(`pacs.${ZONE}`, 'A', { address: '127.0.0.1' })
  expect(result.decisions[0]?.outcome).toBe('all-down')
  expect(result.reason).toContain("all-down action 'any'")
})

test('static, NXDOMAIN, NODATA and REFUSED are explained too', () => {
  expect(engine.explain(`static.${ZONE}`, 'A', { address: '127.0.0.1' })).toMatchObject({
    rcode: 'NOERROR',
    reason: 'static records of the zone',
  })
  const nx = engine.explain(`nope.${ZONE}`, 'A', { address: '127.0.0.1' })
  expect(nx.rcode).toBe('NXDOMAIN')
  expect(nx.authority[0]).toMatchObject({ type: 'SOA', ttl: 30 })
  expect(engine.explain(`pacs.${ZONE}`, 'AAAA', { address: '127.0.0.1' }).reason).toContain('no IPv6 member')
  expect(engine.explain('example.com', 'A', { address: '127.0.0.1' })).toMatchObject({
    rcode: 'REFUSED',
    zone: null,
    reason: 'the name is outside every configured zone',
  })
  expect(engine.explain(`alias.${ZONE}.`, 'a', { address: '127.0.0.1' }).answers[0]).toEqual({
    name: `alias.${ZONE}.`,
    type: 'CNAME',
    ttl: 300,
    data: `pacs.${ZONE}.`,
  })
})

test('ECS from an untrusted address is reported as ignored', () => {
  engine.update({ ...sampleConfig(), ecs: { trusted: ['192.0.2.0/24'] } })
  const result = engine.explain(`geo.${ZONE}`, 'A', { address: '10.3.0.9', ecs: '10.2.3.0/24' })
  expect(result.client).toMatchObject({ ecsUsed: false, datacenter: 'siteC', ecsScope: 0 })
  expect(result.client.ecsIgnored).toContain('not in ecs.trusted')
})

test('bad arguments are EngineErrors', () => {
  const client = { address: '127.0.0.1' }
  expect(() => engine.explain(ZONE, 'BOGUS', client)).toThrow(
    expect.objectContaining({ code: 'GSLB_ENGINE_INVALID_ARGUMENT' }),
  )
  expect(() => engine.explain(ZONE, 'A', { address: '127.0.0.1', ecs: '10.0.0.0/40' })).toThrow(
    expect.objectContaining({ code: 'GSLB_ENGINE_INVALID_ARGUMENT' }),
  )
  expect(engine.explain(ZONE, 'TYPE65', client).query.type).toBe('TYPE65')
  for (const ecs of ['10.0.0.0/', '10.0.0.0/+8', '10.0.0.0/ 8', '10.0.0.0/8/8']) {
    expect(() => engine.explain(ZONE, 'A', { address: '127.0.0.1', ecs })).toThrow(
      expect.objectContaining({ code: 'GSLB_ENGINE_INVALID_ARGUMENT' }),
    )
  }
  expect(engine.explain(ZONE, 'A', { address: '127.0.0.1', ecs: '10.2.0.0/16' }).client.ecs).toBe(
    '10.2.0.0/16',
  )
})
