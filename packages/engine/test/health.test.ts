import { createHealthChecker, type HealthChecker } from '@gslb/health'
import {
  createEngine,
  type Engine,
  type EngineConfig,
  type MemberChangeEvent,
  type PoolConfig,
} from '../src/index.js'
import { addresses, decode, query, ZONE } from './support/dns.js'

const SOURCE = { address: '192.0.2.200' }
/** Monitor outcomes by target id; a missing entry is a failure. */
const outcome = new Map<string, boolean>()
const custom = {
  type: 'custom' as const,
  check: async (target: { id: string }) => outcome.get(target.id) ?? false,
}

function config(pool: Partial<PoolConfig> = {}, ttl = 5): EngineConfig {
  return {
    zones: { [ZONE]: { ns: [{ name: 'ns1.example.net' }] } },
    pools: {
      p: {
        method: 'failover',
        members: [
          { name: 'a', address: '10.1.0.1', monitorAddress: '127.0.0.1' },
          { name: 'b', address: '10.2.0.1' },
        ],
        monitors: [{ port: 104, rise: 1, fall: 1, monitor: custom }],
        ...pool,
      },
    },
    names: { [`www.${ZONE}`]: { pool: 'p', ttl } },
  }
}

let health: HealthChecker
let engine: Engine
beforeEach(() => {
  outcome.clear()
  health = createHealthChecker()
})
afterEach(async () => {
  await engine?.close()
  await health.close()
})

function ask() {
  return addresses(decode(engine.answer(query(`www.${ZONE}`, 'A'), SOURCE)))
}

test('registers one target per member and monitor, ids pool/member, checking monitorAddress', () => {
  engine = createEngine({
    config: config({
      monitors: [
        { port: 104, rise: 1, fall: 1, monitor: custom },
        { port: 80, rise: 1, fall: 1, monitor: custom },
      ],
    }),
    health,
  })
  const ids = health.snapshot().targets.map((t) => `${t.id} ${t.target.address}:${t.target.port}`)
  expect(ids.sort()).toEqual([
    'p/a 127.0.0.1:104',
    'p/a/1 127.0.0.1:80',
    'p/b 10.2.0.1:104',
    'p/b/1 10.2.0.1:80',
  ])
  expect(engine.members().map((m) => m.targets)).toEqual([
    ['p/a', 'p/a/1'],
    ['p/b', 'p/b/1'],
  ])
})

test('check results move answers; member:change reports each change', async () => {
  engine = createEngine({ config: config(), health })
  const events: MemberChangeEvent[] = []
  engine.on('member:change', (e) => events.push(e))
  outcome.set('p/b', true)
  await health.checkNow('p/a')
  await health.checkNow('p/b')
  expect(ask()).toEqual(['10.2.0.1'])
  outcome.set('p/a', true)
  await health.checkNow('p/a')
  expect(ask()).toEqual(['10.1.0.1'])
  expect(events).toEqual([
    { pool: 'p', member: 'a', state: 'down', previous: 'unknown', observed: 'down', source: 'checker' },
    { pool: 'p', member: 'b', state: 'up', previous: 'unknown', observed: 'up', source: 'checker' },
    { pool: 'p', member: 'a', state: 'up', previous: 'down', observed: 'up', source: 'checker' },
  ])
})

test('a member is down when any of its monitors is down', async () => {
  engine = createEngine({
    config: config({
      monitors: [
        { port: 104, rise: 1, fall: 1, monitor: custom },
        { port: 80, rise: 1, fall: 1, monitor: custom },
      ],
    }),
    health,
  })
  outcome.set('p/a', true)
  await health.checkNow('p/a')
  await health.checkNow('p/a/1')
  expect(engine.members()[0]).toMatchObject({ observed: 'down', effective: 'down' })
  outcome.set('p/a/1', true)
  await health.checkNow('p/a/1')
  expect(engine.members()[0]).toMatchObject({ observed: 'up', effective: 'up' })
})

test('admin overrides: force-down and drain take a member out of answers; all-down any serves drained ones', () => {
  engine = createEngine({ config: config({ maxAnswers: 2 }), health })
  expect(ask()).toEqual(['10.1.0.1', '10.2.0.1'])
  health.setAdmin('p/a', 'force-down')
  expect(ask()).toEqual(['10.2.0.1'])
  health.setAdmin('p/a', null)
  health.setAdmin('p/b', 'drain')
  expect(ask()).toEqual(['10.1.0.1'])
  expect(engine.members()[1]).toMatchObject({ drained: true })
  health.setAdmin('p/a', 'drain')
  expect(ask()).toEqual(['10.1.0.1', '10.2.0.1'])
})

test('update keeps the health of unchanged members and re-registers only changed targets', async () => {
  engine = createEngine({ config: config(), health })
  outcome.set('p/b', true)
  await health.checkNow('p/a')
  await health.checkNow('p/b')
  expect(ask()).toEqual(['10.2.0.1'])
  const add = jest.spyOn(health, 'add')
  const update = jest.spyOn(health, 'update')
  const remove = jest.spyOn(health, 'remove')

  engine.update(config({}, 30))
  expect(ask()).toEqual(['10.2.0.1'])
  expect(add).not.toHaveBeenCalled()
  expect(update).not.toHaveBeenCalled()

  const changed = config({
    members: [
      { name: 'a', address: '10.1.0.1', monitorAddress: '127.0.0.2' },
      { name: 'c', address: '10.3.0.1' },
      { name: 'b', address: '10.2.0.1' },
    ],
  })
  engine.update(changed)
  expect(update.mock.calls.map(([t]) => t.id)).toEqual(['p/a'])
  expect(add.mock.calls.map(([t]) => t.id)).toEqual(['p/c'])
  expect(remove).not.toHaveBeenCalled()
  expect(engine.members().find((m) => m.member === 'a')).toMatchObject({ observed: 'down' })
  // c is unknown (counts as up) and comes before b in config order
  expect(ask()).toEqual(['10.3.0.1'])

  engine.update(config())
  expect(remove.mock.calls.map(([id]) => id)).toEqual(['p/c'])
  expect(ask()).toEqual(['10.2.0.1'])
})

test('an invalid update throws, names the path, and changes nothing', async () => {
  engine = createEngine({ config: config(), health })
  outcome.set('p/b', true)
  await health.checkNow('p/b')
  const before = health.snapshot().targets.length
  const bad = config({
    members: [
      { name: 'a', address: '10.1.0.1' },
      { name: 'x', address: 'not-an-ip' },
    ],
  })
  expect(() => engine.update(bad)).toThrow(
    expect.objectContaining({ code: 'GSLB_ENGINE_INVALID_CONFIG', path: 'pools.p.members[1].address' }),
  )
  expect(health.snapshot().targets.length).toBe(before)
  expect(engine.members().map((m) => m.member)).toEqual(['a', 'b'])
  expect(ask()).toEqual(['10.1.0.1'])
})

test('a bad monitor is a config error naming the monitor field', () => {
  const bad = config({ monitors: [{ port: 104, monitor: { type: 'http', path: 'no-slash' } }] })
  expect(() => createEngine({ config: bad, health })).toThrow(
    expect.objectContaining({
      code: 'GSLB_ENGINE_INVALID_CONFIG',
      path: expect.stringMatching(/^pools\.p\.monitors\[0\]\.monitor/),
    }),
  )
  expect(health.snapshot().targets).toHaveLength(0)
})

test('close() unregisters the engine’s targets and stops following the checker', async () => {
  engine = createEngine({ config: config(), health })
  health.add({ id: 'other/x', address: '127.0.0.1', port: 1, monitor: custom })
  await engine.close()
  expect(health.snapshot().targets.map((t) => t.id)).toEqual(['other/x'])
})

test('setHealth without a checker, and its errors', () => {
  engine = createEngine({ config: config({ monitors: undefined }) })
  engine.setHealth('p', 'a', 'down')
  expect(ask()).toEqual(['10.2.0.1'])
  expect(engine.members()[0]).toMatchObject({ observed: 'down', source: 'pushed' })
  expect(() => engine.setHealth('p', 'zz', 'up')).toThrow(
    expect.objectContaining({ code: 'GSLB_ENGINE_UNKNOWN_MEMBER' }),
  )
  expect(() => engine.setHealth('p', 'a', 'sideways' as 'up')).toThrow(
    expect.objectContaining({ code: 'GSLB_ENGINE_INVALID_ARGUMENT' }),
  )
})

test('monitors without a HealthChecker: a monitors:unchecked event, and members stay unknown (counted per unknownAs)', async () => {
  engine = createEngine({ config: config() })
  const unchecked = new Promise((resolve) => engine.once('monitors:unchecked', resolve))
  expect(await unchecked).toEqual({ pools: ['p'] })
  expect(engine.members().map((m) => m.observed)).toEqual(['unknown', 'unknown'])
  expect(ask()).toEqual(['10.1.0.1'])
})

test('removing the monitors of a pool forgets the checker’s last state of its members', async () => {
  engine = createEngine({ config: config(), health })
  await health.checkNow('p/a')
  expect(engine.members()[0]).toMatchObject({ observed: 'down', source: 'checker' })
  engine.update(config({ monitors: undefined }))
  expect(health.snapshot().targets).toHaveLength(0)
  expect(engine.members()[0]).toMatchObject({ observed: 'unknown', effective: 'unknown', source: 'none' })
  expect(ask()).toEqual(['10.1.0.1'])
})

test("a target the checker refuses is reported as 'target:error' (on the next tick when it happens in createEngine)", async () => {
  const refusal = new Error('checker full')
  const refusing = {
    add: () => {
      throw refusal
    },
    get: () => undefined,
    on: () => {},
    off: () => {},
    remove: () => true,
  } as unknown as HealthChecker
  engine = createEngine({ config: config(), health: refusing })
  const reported: unknown[] = []
  engine.on('target:error', (e) => reported.push(e))
  await new Promise((resolve) => process.nextTick(resolve))
  expect(reported).toEqual([
    { target: 'p/a', action: 'register', error: refusal },
    { target: 'p/b', action: 'register', error: refusal },
  ])
  expect(engine.members().map((m) => m.observed)).toEqual(['unknown', 'unknown'])
})
