import { createEngine, type DnsListenerAddress, type Engine } from '@gslb/engine'
import { activeResources, leakedSince } from '../../../../test/support/handles.js'
import { requirePeer } from '../../../../test/support/peers.js'
import { startUnbound, type Unbound } from '../../../../test/support/unbound.js'
import {
  type AddressChangeEvent,
  createResolver,
  type LookupFailEvent,
  type NameOfflineEvent,
  type Resolver,
  type ResolverOptions,
} from '../../src/index.js'

// The field topology on loopback: the local GSLB (@gslb/engine) answers first, the primary DNS (Debian unbound)
// after it. In the field the primary delegates the zone to the GSLBs; here it serves a fixed fallback address for
// the same name, so a test can tell who answered.
const ZONE = 'gslb.mysite.example'
const NAME = `dicom.${ZONE}`
const PRIMARY_ONLY = `pacs-admin.${ZONE}`
const SITE_A = '10.1.0.50'
const SITE_B = '10.2.0.50'
const FALLBACK = '10.9.0.1'
const INTERVAL = 200

describe('field topology: local @gslb/engine first, Debian unbound as the primary DNS', () => {
  let unbound: Unbound
  let engine: Engine
  let listener: DnsListenerAddress
  let resolver: Resolver | undefined
  let before: Record<string, number>

  beforeAll(async () => {
    const binary = requirePeer('unbound', 'unbound')
    unbound = await startUnbound(binary, ZONE, [
      `${NAME}. 5 IN A ${FALLBACK}`,
      `${PRIMARY_ONLY}. 5 IN A 10.9.0.7`,
    ])
  })

  afterAll(async () => {
    await unbound?.dispose()
  })

  beforeEach(async () => {
    before = activeResources()
    await unbound.restart()
    engine = createEngine({
      config: {
        zones: { [ZONE]: { ns: [{ name: `ns1.${ZONE}`, addresses: ['127.0.0.1'] }] } },
        pools: {
          dicom: {
            method: 'failover',
            allDown: 'refuse',
            members: [
              { name: 'site-a', address: SITE_A },
              { name: 'site-b', address: SITE_B },
            ],
          },
        },
        names: { [NAME]: { pool: 'dicom', ttl: 5 } },
      },
      listen: [{ address: '127.0.0.1', port: 0 }],
    })
    await engine.start()
    ;[listener] = engine.addresses() as [DnsListenerAddress]
  })

  afterEach(async () => {
    await resolver?.close({ deadlineMs: 0 })
    resolver = undefined
    await engine.close()
    await unbound.stop()
    expect(await leakedSince(before)).toEqual({})
  })

  function make(options: Partial<ResolverOptions> = {}) {
    const r = createResolver({
      nameservers: [`127.0.0.1:${listener.port}`, unbound.address],
      intervalMs: INTERVAL,
      failureIntervalMs: 50,
      timeoutMs: 300,
      ...options,
    })
    const changes: AddressChangeEvent[] = []
    const offline: NameOfflineEvent[] = []
    r.on('address:change', (e) => changes.push(e))
    r.on('name:offline', (e) => offline.push(e))
    resolver = r
    return { r, changes, offline }
  }

  async function changeWithin(changes: AddressChangeEvent[], ms: number): Promise<AddressChangeEvent> {
    const count = changes.length
    const deadline = Date.now() + ms
    while (changes.length === count) {
      if (Date.now() > deadline) throw new Error(`no address change within ${ms} ms`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return changes[changes.length - 1]!
  }

  it('follows the engine as its health moves, within one interval', async () => {
    const { r, changes } = make()
    r.track(NAME)
    await r.start()
    expect(r.status(NAME)).toMatchObject({
      addresses: [SITE_A],
      nameserver: `127.0.0.1:${listener.port}`,
      ttl: 5,
    })

    let moved = Date.now()
    engine.setHealth('dicom', 'site-a', 'down')
    let change = await changeWithin(changes, INTERVAL * 1.1 + 100)
    expect(change).toMatchObject({
      previous: [SITE_A],
      current: [SITE_B],
      nameserver: `127.0.0.1:${listener.port}`,
    })
    const followA = Date.now() - moved

    moved = Date.now()
    engine.setHealth('dicom', 'site-a', 'up')
    change = await changeWithin(changes, INTERVAL * 1.1 + 100)
    expect(change).toMatchObject({ previous: [SITE_B], current: [SITE_A] })
    expect(Math.max(followA, Date.now() - moved)).toBeLessThanOrEqual(INTERVAL * 1.1 + 100)
  })

  it('resolveNow() follows a health change at once', async () => {
    const { r } = make({ intervalMs: 60_000, resolveNowMinIntervalMs: 0 })
    r.track(NAME)
    await r.start()
    engine.setHealth('dicom', 'site-a', 'down')
    await expect(r.resolveNow(NAME)).resolves.toMatchObject({ addresses: [SITE_B] })
  })

  it('asks the primary DNS for a name the engine does not serve, and when every site is down (REFUSED)', async () => {
    const { r } = make({ negativePolicy: 'fallthrough' })
    r.track(PRIMARY_ONLY)
    r.track(NAME)
    await r.start()
    expect(r.status(PRIMARY_ONLY)).toMatchObject({ addresses: ['10.9.0.7'], nameserver: unbound.address })
    engine.setHealth('dicom', 'site-a', 'down')
    engine.setHealth('dicom', 'site-b', 'down')
    await expect(r.resolveNow(NAME)).resolves.toMatchObject({
      addresses: [FALLBACK],
      nameserver: unbound.address,
    })
    // the engine is authoritative for the zone: NXDOMAIN for the name it does not serve, REFUSED when all are down
    const gslbCounters = r.snapshot().nameservers[0]!
    expect(gslbCounters.nxdomain).toBeGreaterThanOrEqual(1)
    expect(gslbCounters.refused).toBeGreaterThanOrEqual(1)
  })

  it('engine stopped → the primary answers; both stopped → last-known-good past the threshold until lastGoodMaxAgeMs, then offline; back', async () => {
    const maxAge = 4_000
    const { r, changes, offline } = make({ failThreshold: 3, lastGoodMaxAgeMs: maxAge })
    r.track(NAME)
    await r.start()
    expect(r.addresses(NAME)).toEqual([SITE_A])

    await engine.close()
    const toPrimary = await changeWithin(changes, INTERVAL * 1.1 + 500)
    expect(toPrimary).toMatchObject({ previous: [SITE_A], current: [FALLBACK], nameserver: unbound.address })
    const answeredAt = r.status(NAME)!.lastSuccess!

    await unbound.stop()
    const failures: LookupFailEvent[] = []
    r.on('lookup:fail', (e) => failures.push(e))
    // well past failThreshold (issue 11): the last-known-good address stays, and every failure says until when
    const deadline = Date.now() + 3_000
    while (failures.length < 5 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10))
    expect(failures.length).toBeGreaterThanOrEqual(5)
    expect(r.addresses(NAME)).toEqual([FALLBACK])
    expect(offline).toEqual([])
    for (const failure of failures) {
      expect(failure.lastGood).toMatchObject({ addresses: [FALLBACK], until: expect.any(Number) })
      expect(failure.lastGood!.until).toBeGreaterThanOrEqual(answeredAt + maxAge - 50)
    }
    // at lastGoodMaxAgeMs after the answer: dropped, offline, and why
    const dropped = await changeWithin(changes, maxAge + 2_000)
    expect(dropped).toMatchObject({ previous: [FALLBACK], current: [], nameserver: null })
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(maxAge - 50)
    expect(offline).toEqual([
      expect.objectContaining({
        name: NAME,
        reason: expect.objectContaining({ code: 'GSLB_RESOLVER_EXPIRED' }),
      }),
    ])

    await unbound.restart()
    const back = await changeWithin(changes, INTERVAL * 1.1 + 1_000)
    expect(back).toMatchObject({ previous: [], current: [FALLBACK] })
    expect(r.status(NAME)?.state).toBe('online')
  })
})
