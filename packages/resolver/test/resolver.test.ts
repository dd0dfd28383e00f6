import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { closedPort } from '../../../test/support/ports.js'
import { sleep, waitFor } from '../../../test/support/wait.js'
import {
  type AddressChangeEvent,
  createResolver,
  type LastGoodExpireEvent,
  type LookupFailEvent,
  type NameOfflineEvent,
  type Resolver,
  type ResolverOptions,
} from '../src/index.js'
import { type FakeNameserver, type Script, startFakeNameserver } from './support/fake-nameserver.js'

const NAME = 'dicom.mysite.example'

describe('Resolver', () => {
  let gslb: FakeNameserver
  let primary: FakeNameserver
  let resolver: Resolver | undefined
  let before: Record<string, number>

  beforeEach(async () => {
    before = activeResources()
    gslb = await startFakeNameserver('127.0.0.1', () => ({ addresses: ['10.1.0.1'], ttl: 300 }))
    primary = await startFakeNameserver('127.0.0.1', () => ({ addresses: ['10.9.0.1'], ttl: 300 }))
  })

  afterEach(async () => {
    await resolver?.close({ deadlineMs: 0 })
    resolver = undefined
    await gslb.close()
    await primary.close()
    expect(await leakedSince(before)).toEqual({})
  })

  function make(options: Partial<ResolverOptions> = {}) {
    const r = createResolver({
      nameservers: [gslb.address, primary.address],
      timeoutMs: 400, // generous: a loaded CI machine must not turn a slow answer into a failover
      jitter: 0,
      ...options,
    })
    const changes: AddressChangeEvent[] = []
    const offline: NameOfflineEvent[] = []
    const online: string[][] = []
    r.on('address:change', (e) => changes.push(e))
    r.on('name:offline', (e) => offline.push(e))
    r.on('name:online', (e) => online.push([...e.addresses]))
    resolver = r
    return { r, changes, offline, online }
  }

  it('resolves from the first nameserver and reports who answered and the TTL', async () => {
    const { r, changes, online } = make()
    r.track(NAME)
    await r.start()
    expect(r.addresses(NAME)).toEqual(['10.1.0.1'])
    expect(Object.isFrozen(r.addresses(NAME))).toBe(true)
    expect(changes).toEqual([
      { name: NAME, previous: [], current: ['10.1.0.1'], nameserver: gslb.address, ttl: 300 },
    ])
    expect(online).toEqual([['10.1.0.1']])
    expect(primary.count()).toBe(0)
    expect(r.status(NAME)).toMatchObject({
      state: 'online',
      nameserver: gslb.address,
      consecutiveFailures: 0,
    })
  })

  it("says when another nameserver answers, even with the same addresses, and once per change ('nameserver:change')", async () => {
    const { r, changes } = make({ intervalMs: 100 })
    const switches: Array<{ name: string; previous: string; current: string }> = []
    r.on('nameserver:change', (e) => switches.push(e))
    primary.respond = () => ({ addresses: ['10.1.0.1'], ttl: 300 }) // the same answer as the local GSLB
    r.track(NAME)
    await r.start()
    expect(switches).toEqual([]) // a first answer is no change
    gslb.respond = () => ({ rcode: 'SERVFAIL' })
    await waitFor(() => switches.length === 1, { what: 'the fallback to the primary DNS is reported' })
    expect(switches).toEqual([{ name: NAME, previous: gslb.address, current: primary.address }])
    expect(changes).toHaveLength(1) // the addresses never changed
    await sleep(350) // more answers from the primary: no more events
    expect(switches).toHaveLength(1)
    gslb.respond = () => ({ addresses: ['10.1.0.1'], ttl: 300 })
    await waitFor(() => switches.length === 2, { what: 'the return to the local GSLB is reported' })
    expect(switches[1]).toEqual({ name: NAME, previous: primary.address, current: gslb.address })
  })

  it('refreshes every interval, asking the wire each time although the TTL is 300 s (no cache)', async () => {
    const { r } = make({ intervalMs: 150 })
    r.track(NAME)
    await r.start()
    await sleep(800)
    await r.close()
    // t = 0, 150, 300, 450, 600, 750 → 6 queries (5-7 with timer slack on a loaded machine)
    expect(gslb.count()).toBeGreaterThanOrEqual(5)
    expect(gslb.count()).toBeLessThanOrEqual(7)
  })

  it('with respectTtl, schedules from the TTL clamped to [minTtl, maxTtl]', async () => {
    gslb.respond = (q) => ({ addresses: ['10.1.0.1'], ttl: q.name.startsWith('short') ? 0 : 3_600 })
    const { r } = make({ intervalMs: 60_000, respectTtl: true, minTtlMs: 200, maxTtlMs: 300 })
    r.track(`short.${NAME}`)
    r.track(`long.${NAME}`)
    await r.start()
    await sleep(950)
    await r.close()
    const short = gslb.count((q) => q.name.startsWith('short')) // every 200 ms (minTtl): 5
    const long = gslb.count((q) => q.name.startsWith('long')) // every 300 ms (maxTtl): 4
    expect(short).toBeGreaterThanOrEqual(4)
    expect(short).toBeLessThanOrEqual(6)
    expect(long).toBeGreaterThanOrEqual(3)
    expect(long).toBeLessThanOrEqual(4)
    expect(short).toBeGreaterThan(long)
  })

  it.each<[string, Script | 'closed']>([
    ['silence', { silence: true }],
    ['SERVFAIL', { rcode: 'SERVFAIL' }],
    ['REFUSED', { rcode: 'REFUSED' }],
    ['a closed port', 'closed'],
  ])('moves to the next nameserver on %s', async (_, script) => {
    const first = script === 'closed' ? await closedPort() : gslb.address
    if (script !== 'closed') gslb.respond = () => script
    const r = createResolver({ nameservers: [first, primary.address], timeoutMs: 200 })
    resolver = r
    r.track(NAME)
    await r.start()
    expect(r.addresses(NAME)).toEqual(['10.9.0.1'])
    const counters = r.snapshot().nameservers[0]!
    expect(counters.sent).toBe(1)
    expect(counters.answered).toBe(0)
    expect(counters.timeout + counters.servfail + counters.refused + counters.connectionRefused).toBe(1)
  })

  it('waits for a slow nameserver up to the per-try timeout, and not longer', async () => {
    gslb.respond = (q) => ({ addresses: ['10.1.0.1'], delay: q.name.startsWith('late') ? 600 : 150 })
    const r = createResolver({ nameservers: [gslb.address, primary.address], timeoutMs: 400 })
    resolver = r
    r.track(`slow.${NAME}`)
    r.track(`late.${NAME}`)
    const started = Date.now()
    await r.start()
    expect(Date.now() - started).toBeLessThan(600)
    expect(r.status(`slow.${NAME}`)).toMatchObject({ addresses: ['10.1.0.1'], nameserver: gslb.address })
    expect(r.status(`late.${NAME}`)).toMatchObject({ addresses: ['10.9.0.1'], nameserver: primary.address })
    expect(r.snapshot().nameservers[0]).toMatchObject({ sent: 2, answered: 1, timeout: 1 })
  })

  it('retries over TCP on truncation and counts it', async () => {
    gslb.respond = () => ({ truncate: true, addresses: ['10.1.0.5'] })
    const { r } = make()
    r.track(NAME)
    await r.start()
    expect(r.addresses(NAME)).toEqual(['10.1.0.5'])
    expect(r.snapshot().nameservers[0]).toMatchObject({ sent: 2, answered: 1, truncated: 1 })
  })

  it.each(['id', 'question'] as const)(
    'ignores spoofed replies (wrong %s) and counts them',
    async (spoof) => {
      gslb.respond = () => ({ spoof, spoofAddress: '6.6.6.6', delay: 20, addresses: ['10.1.0.1'] })
      const { r, changes } = make()
      r.track(NAME)
      await r.start()
      expect(r.addresses(NAME)).toEqual(['10.1.0.1'])
      expect(changes.flatMap((c) => c.current)).not.toContain('6.6.6.6')
      expect(r.snapshot().nameservers[0]).toMatchObject({ ignored: 1, answered: 1 })
    },
  )

  it('a reply that only ever comes spoofed is a timeout', async () => {
    gslb.respond = () => ({ spoof: 'id', delay: 5_000 })
    const { r } = make()
    r.track(NAME)
    await r.start()
    expect(r.addresses(NAME)).toEqual(['10.9.0.1'])
    expect(r.snapshot().nameservers[0]).toMatchObject({ ignored: 1, timeout: 1 })
  })

  describe('negative answers', () => {
    it("'authoritative': NXDOMAIN from the first nameserver takes the name offline at once", async () => {
      gslb.respond = () => ({ rcode: 'NXDOMAIN' })
      const { r, offline } = make({ negativePolicy: 'authoritative' })
      r.track(NAME)
      await r.start()
      expect(r.addresses(NAME)).toEqual([])
      expect(primary.count()).toBe(0)
      expect(offline).toEqual([
        expect.objectContaining({
          name: NAME,
          reason: expect.objectContaining({ code: 'GSLB_RESOLVER_NXDOMAIN' }),
        }),
      ])
    })

    it("'fallthrough': NXDOMAIN or an empty answer from the local GSLB asks the primary DNS", async () => {
      gslb.respond = (q) => (q.name.startsWith('nx') ? { rcode: 'NXDOMAIN' } : { addresses: [] })
      const { r, offline } = make({ negativePolicy: 'fallthrough' })
      r.track(`nx.${NAME}`)
      r.track(`empty.${NAME}`)
      await r.start()
      expect(r.addresses(`nx.${NAME}`)).toEqual(['10.9.0.1'])
      expect(r.addresses(`empty.${NAME}`)).toEqual(['10.9.0.1'])
      expect(r.status(`nx.${NAME}`)?.nameserver).toBe(primary.address)
      expect(offline).toEqual([])
      expect(r.snapshot().nameservers[0]).toMatchObject({ nxdomain: 1, nodata: 1 })
    })

    it("'fallthrough': offline only when every nameserver says so (the last one's reason)", async () => {
      gslb.respond = () => ({ rcode: 'NXDOMAIN' })
      primary.respond = (q) => (q.name.startsWith('nx') ? { rcode: 'NXDOMAIN' } : { addresses: [] })
      const { r, offline } = make({ negativePolicy: 'fallthrough' })
      r.track(`nx.${NAME}`)
      r.track(`empty.${NAME}`)
      await r.start()
      expect(offline.map((e) => [e.name, e.reason.code]).sort()).toEqual([
        [`empty.${NAME}`, 'GSLB_RESOLVER_NODATA'],
        [`nx.${NAME}`, 'GSLB_RESOLVER_NXDOMAIN'],
      ])
      expect(gslb.count()).toBe(2)
      expect(primary.count()).toBe(2)
    })

    it("'fallthrough': a negative answer while the other nameserver fails is a failed cycle, not offline", async () => {
      const { r, offline, changes } = make({
        negativePolicy: 'fallthrough',
        intervalMs: 5_000,
        failureIntervalMs: 5_000,
      })
      r.track(NAME)
      await r.start()
      gslb.respond = () => ({ rcode: 'NXDOMAIN' })
      primary.respond = () => ({ silence: true })
      const status = await r.resolveNow(NAME)
      expect(status).toMatchObject({ state: 'online', addresses: ['10.1.0.1'], consecutiveFailures: 1 })
      expect(offline).toEqual([])
      expect(changes).toHaveLength(1)
    })

    it('NXDOMAIN, then the name appears: online again', async () => {
      gslb.respond = () => ({ rcode: 'NXDOMAIN' })
      const { r, offline, online } = make({ negativePolicy: 'authoritative', intervalMs: 100 })
      r.track(NAME)
      await r.start()
      expect(r.status(NAME)?.state).toBe('offline')
      gslb.respond = () => ({ addresses: ['10.1.0.2'] })
      await waitFor(() => r.addresses(NAME).length > 0, { what: 'recovery', timeoutMs: 1_000 })
      expect(r.addresses(NAME)).toEqual(['10.1.0.2'])
      expect(offline).toHaveLength(1)
      expect(online).toEqual([['10.1.0.2']])
      expect(r.status(NAME)?.offlineReason).toBeNull()
    })
  })

  describe('failure policy', () => {
    it('issue #11 regression: keeps the last good addresses past failThreshold, saying until when', async () => {
      const { r, offline, changes } = make({
        intervalMs: 2_000,
        failureIntervalMs: 20,
        failThreshold: 2,
        lastGoodMaxAgeMs: 60_000,
      })
      r.track(NAME)
      await r.start()
      const answeredAt = r.status(NAME)!.lastSuccess!
      gslb.respond = primary.respond = () => ({ rcode: 'SERVFAIL' })
      const failures: LookupFailEvent[] = []
      r.on('lookup:fail', (e) => failures.push(e))
      const failingFrom = Date.now()
      await r.resolveNow(NAME)
      // the seed dropped the addresses at the 2nd failed cycle; keep going well past it
      await waitFor(() => failures.length >= 6, { what: 'six failed cycles', timeoutMs: 3_000 })
      expect(r.addresses(NAME)).toEqual(['10.1.0.1'])
      expect(offline).toEqual([])
      expect(changes.map((c) => c.current)).toEqual([['10.1.0.1']])
      const keptSince = failures[0]!.lastGood!.keptSince
      expect(keptSince).toBeGreaterThanOrEqual(failingFrom)
      for (const [i, event] of failures.entries()) {
        expect(event).toMatchObject({ name: NAME, family: 4, consecutiveFailures: i + 1 })
        expect(event.error.code).toBe('GSLB_RESOLVER_SERVFAIL')
        expect(event.lastGood).toEqual({
          addresses: ['10.1.0.1'],
          answeredAt,
          keptSince,
          until: answeredAt + 60_000,
        })
      }
      expect(r.status(NAME)).toMatchObject({
        state: 'online',
        offlineReason: null,
        lastGood: { addresses: ['10.1.0.1'], answeredAt, keptSince, until: answeredAt + 60_000 },
      })
      gslb.respond = () => ({ addresses: ['10.1.0.1'] })
      await waitFor(() => r.status(NAME)?.consecutiveFailures === 0, { what: 'recovery', timeoutMs: 1_500 })
      expect(r.status(NAME)).toMatchObject({ state: 'online', lastGood: null })
    })

    it('the kept addresses expire lastGoodMaxAgeMs after their answer: lastgood:expire, then offline', async () => {
      const { r, offline, changes } = make({
        intervalMs: 2_000,
        failureIntervalMs: 20,
        failThreshold: 1_000,
        lastGoodMaxAgeMs: 300,
      })
      const expired: LastGoodExpireEvent[] = []
      const failures: LookupFailEvent[] = []
      r.on('lastgood:expire', (e) => expired.push(e))
      r.on('lookup:fail', (e) => failures.push(e))
      r.track(NAME)
      await r.start()
      const answeredAt = r.status(NAME)!.lastSuccess!
      gslb.respond = primary.respond = () => ({ rcode: 'REFUSED' })
      await r.resolveNow(NAME)
      await waitFor(() => offline.length === 1, {
        what: 'offline once the kept answer expired',
        timeoutMs: 3_000,
      })
      expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(300)
      expect(expired).toEqual([
        {
          name: NAME,
          family: 4,
          addresses: ['10.1.0.1'],
          answeredAt,
          keptSince: failures[0]!.lastGood!.keptSince,
          maxAgeMs: 300,
        },
      ])
      // the failure that expired them says nothing is kept any more; the ones before said what was
      const last = failures[failures.length - 1]!
      expect(last.lastGood).toBeNull()
      expect(failures.slice(0, -1).every((e) => e.lastGood !== null)).toBe(true)
      expect(offline[0]).toMatchObject({
        name: NAME,
        previous: ['10.1.0.1'],
        reason: { code: 'GSLB_RESOLVER_EXPIRED' },
      })
      expect(offline[0]!.reason.cause).toMatchObject({ code: 'GSLB_RESOLVER_REFUSED' })
      expect(offline[0]!.reason.message).toContain('lastGoodMaxAgeMs')
      expect(changes.map((c) => c.current)).toEqual([['10.1.0.1'], []])
      expect(changes[1]).toMatchObject({ nameserver: null, ttl: null })
      expect(r.status(NAME)).toMatchObject({ state: 'offline', addresses: [], lastGood: null })
      // more failed cycles do not repeat the expiry or the offline event
      const seen = failures.length
      await waitFor(() => failures.length >= seen + 3, { what: 'more failed cycles' })
      expect(expired).toHaveLength(1)
      expect(offline).toHaveLength(1)
      gslb.respond = () => ({ addresses: ['10.1.0.2'] })
      await waitFor(() => r.addresses(NAME).length === 1, { what: 'recovery', timeoutMs: 1_500 })
      expect(r.status(NAME)).toMatchObject({ state: 'online', offlineReason: null, lastGood: null })
    })

    it('lastGoodMaxAgeMs 0 keeps nothing: the first failed cycle drops the addresses', async () => {
      const { r, offline } = make({ intervalMs: 5_000, failureIntervalMs: 5_000, lastGoodMaxAgeMs: 0 })
      r.track(NAME)
      await r.start()
      gslb.respond = primary.respond = () => ({ silence: true })
      const status = await r.resolveNow(NAME)
      expect(status).toMatchObject({ state: 'offline', addresses: [], consecutiveFailures: 1 })
      expect(offline.map((e) => e.reason.code)).toEqual(['GSLB_RESOLVER_EXPIRED'])
    })

    it('an accepted NXDOMAIN ends last-known-good at once (negativePolicy)', async () => {
      const { r, offline } = make({
        negativePolicy: 'authoritative',
        intervalMs: 5_000,
        failureIntervalMs: 5_000,
        resolveNowMinIntervalMs: 0,
        failThreshold: 1,
      })
      r.track(NAME)
      await r.start()
      gslb.respond = primary.respond = () => ({ rcode: 'SERVFAIL' })
      await expect(r.resolveNow(NAME)).resolves.toMatchObject({ state: 'online', addresses: ['10.1.0.1'] })
      gslb.respond = () => ({ rcode: 'NXDOMAIN' })
      await expect(r.resolveNow(NAME)).resolves.toMatchObject({
        state: 'offline',
        addresses: [],
        lastGood: null,
      })
      expect(offline.map((e) => e.reason.code)).toEqual(['GSLB_RESOLVER_NXDOMAIN'])
    })

    it('with nothing known to be good, a name is offline after failThreshold failed cycles', async () => {
      gslb.respond = primary.respond = () => ({ rcode: 'SERVFAIL' })
      const { r, offline } = make({ intervalMs: 2_000, failureIntervalMs: 20, failThreshold: 3 })
      const failures: LookupFailEvent[] = []
      r.on('lookup:fail', (e) => failures.push(e))
      r.track(NAME)
      await r.start()
      await waitFor(() => offline.length === 1, { what: 'offline after 3 failures', timeoutMs: 1_500 })
      expect(failures.map((e) => [e.consecutiveFailures, e.lastGood])).toEqual([
        [1, null],
        [2, null],
        [3, null],
      ])
      expect(offline[0]).toMatchObject({ name: NAME, previous: [], reason: { code: 'GSLB_RESOLVER_FAILED' } })
      expect(offline[0]!.reason.cause).toMatchObject({ code: 'GSLB_RESOLVER_SERVFAIL' })
      expect(JSON.parse(JSON.stringify(r.snapshot())).names[0].offlineReason).toMatchObject({
        code: 'GSLB_RESOLVER_FAILED',
        message: expect.stringContaining('3 consecutive failed lookups'),
      })
      gslb.respond = () => ({ addresses: ['10.1.0.1'] })
      await waitFor(() => r.addresses(NAME).length === 1, { what: 'recovery', timeoutMs: 1_500 })
      expect(r.status(NAME)).toMatchObject({ state: 'online', consecutiveFailures: 0 })
    })

    it('issue #12 regression: an answer for another owner name is a failed lookup, not NODATA', async () => {
      const { r, offline } = make({
        intervalMs: 5_000,
        failureIntervalMs: 5_000,
        resolveNowMinIntervalMs: 0,
        negativePolicy: 'authoritative',
      })
      r.track(NAME)
      await r.start()
      // the GSLB's reply is bogus: the next nameserver is asked and its answer is taken
      gslb.respond = () => ({ owner: 'other.example', addresses: ['6.6.6.6'] })
      await expect(r.resolveNow(NAME)).resolves.toMatchObject({
        state: 'online',
        addresses: ['10.9.0.1'],
        nameserver: primary.address,
        consecutiveFailures: 0,
      })
      // every nameserver bogus: a failed cycle that keeps the last good addresses
      primary.respond = gslb.respond
      const failures: LookupFailEvent[] = []
      r.on('lookup:fail', (e) => failures.push(e))
      await expect(r.resolveNow(NAME)).resolves.toMatchObject({
        state: 'online',
        addresses: ['10.9.0.1'],
        consecutiveFailures: 1,
      })
      expect(failures[0]!.error.code).toBe('GSLB_RESOLVER_BAD_RESPONSE')
      expect(failures[0]!.lastGood).toMatchObject({ addresses: ['10.9.0.1'] })
      expect(offline).toEqual([])
      expect(r.snapshot().nameservers[0]).toMatchObject({ nodata: 0, error: 2 })
    })

    it('backs off failure retries: 50, 100, 200 ms ... capped at interval', async () => {
      gslb.respond = primary.respond = () => ({ rcode: 'REFUSED' })
      const { r } = make({ intervalMs: 200, failureIntervalMs: 50, failThreshold: 100 })
      r.track(NAME)
      await r.start()
      await sleep(1_000)
      await r.close()
      // t = 0, 50, 150, 350, 550, 750, 950 → 7 cycles; a fixed 50 ms retry would be 20, the interval alone 5
      const cycles = gslb.count()
      expect(cycles).toBeGreaterThanOrEqual(6)
      expect(cycles).toBeLessThanOrEqual(8)
    })

    it('HAProxy #807/#1740: starts normally while every nameserver is down and resolves when DNS comes back', async () => {
      gslb.respond = primary.respond = () => ({ silence: true })
      const { r, offline } = make({
        intervalMs: 100,
        failureIntervalMs: 50,
        failThreshold: 50,
        timeoutMs: 150,
      })
      r.track(NAME)
      await r.start()
      expect(r.status(NAME)).toMatchObject({ state: 'unresolved', addresses: [], consecutiveFailures: 1 })
      primary.respond = () => ({ addresses: ['10.9.0.1'] })
      await waitFor(() => r.addresses(NAME).length > 0, {
        what: 'resolution once DNS is back',
        timeoutMs: 2_000,
      })
      expect(offline).toEqual([])
    })
  })

  it('HAProxy #1286 regression: after timeouts every query still leaves from a new socket (source port)', async () => {
    gslb.respond = () => ({ silence: true })
    const { r } = make({ intervalMs: 40, failureIntervalMs: 20, timeoutMs: 30, failThreshold: 100 })
    r.track(NAME)
    await r.start()
    await waitFor(() => gslb.count() >= 5, { what: '5 timed-out queries' })
    gslb.respond = () => ({ addresses: ['10.1.0.3'] })
    await waitFor(() => r.addresses(NAME)[0] === '10.1.0.3', { what: 'recovery on the local GSLB' })
    await r.close()
    // one reused socket would show one port; the kernel may, rarely, hand out a recently freed port again
    const ports = gslb.queries.map((q) => q.port)
    expect(new Set(ports).size).toBeGreaterThanOrEqual(ports.length - 1)
  })

  describe('resolveNow', () => {
    it('shares one query among concurrent calls and rate-limits to one per resolveNowMinIntervalMs', async () => {
      gslb.respond = () => ({ addresses: ['10.1.0.1'], delay: 30 })
      const { r } = make({ intervalMs: 60_000, resolveNowMinIntervalMs: 200 })
      r.track(NAME)
      await r.start()
      expect(gslb.count()).toBe(1)
      await sleep(210)
      const burst = Array.from({ length: 50 }, () => r.resolveNow(NAME))
      expect(new Set(burst).size).toBe(1)
      await Promise.all(burst)
      expect(gslb.count()).toBe(2)
      // inside the window: deferred to its end and shared
      const started = Date.now()
      const deferred = Array.from({ length: 50 }, () => r.resolveNow(NAME))
      expect(new Set(deferred).size).toBe(1)
      await Promise.all(deferred)
      expect(Date.now() - started).toBeGreaterThanOrEqual(150)
      expect(gslb.count()).toBe(3)
    })

    it('follows a changed answer and resolves to the new status', async () => {
      const { r, changes } = make({ intervalMs: 60_000, resolveNowMinIntervalMs: 0 })
      r.track(NAME)
      await r.start()
      gslb.respond = () => ({ addresses: ['10.2.0.1'], ttl: 30 })
      await expect(r.resolveNow(NAME)).resolves.toMatchObject({ addresses: ['10.2.0.1'], ttl: 30 })
      expect(changes.at(-1)).toMatchObject({ previous: ['10.1.0.1'], current: ['10.2.0.1'] })
    })

    it('rejects with stable codes for an untracked name, before start, and when stopped while deferred', async () => {
      const { r } = make({ resolveNowMinIntervalMs: 1_000 })
      r.track(NAME)
      await expect(r.resolveNow(NAME)).rejects.toMatchObject({ code: 'GSLB_RESOLVER_NOT_RUNNING' })
      await r.start()
      await expect(r.resolveNow('other.example')).rejects.toMatchObject({ code: 'GSLB_RESOLVER_NOT_TRACKED' })
      const deferred = r.resolveNow(NAME)
      await r.close()
      await expect(deferred).rejects.toMatchObject({ code: 'GSLB_RESOLVER_ABORTED' })
    })
  })

  describe('resolveNow with a signal', () => {
    it('an already-aborted signal rejects at once and sends nothing', async () => {
      const { r } = make({ intervalMs: 60_000, resolveNowMinIntervalMs: 0 })
      r.track(NAME)
      await r.start()
      const sent = gslb.count()
      const reason = new Error('caller gave up')
      await expect(r.resolveNow(NAME, { signal: AbortSignal.abort(reason) })).rejects.toMatchObject({
        code: 'GSLB_RESOLVER_ABORTED',
        cause: reason,
      })
      await sleep(50)
      expect(gslb.count()).toBe(sent)
      await expect(r.resolveNow(NAME, { signal: {} as AbortSignal })).rejects.toMatchObject({
        code: 'GSLB_RESOLVER_OPTIONS_INVALID',
        path: 'signal',
      })
    })

    it('aborting ends only that caller’s wait; the shared lookup still completes for the others', async () => {
      const { r } = make({ intervalMs: 60_000, resolveNowMinIntervalMs: 0 })
      r.track(NAME)
      await r.start()
      gslb.respond = () => ({ addresses: ['10.2.0.1'], delay: 150 })
      const controller = new AbortController()
      const impatient = r.resolveNow(NAME, { signal: controller.signal })
      const patient = r.resolveNow(NAME)
      controller.abort()
      await expect(impatient).rejects.toMatchObject({ code: 'GSLB_RESOLVER_ABORTED' })
      await expect(patient).resolves.toMatchObject({ addresses: ['10.2.0.1'] })
      expect(gslb.count()).toBe(2) // the first cycle and one shared refresh
    })
  })

  it('nginx#1656 regression: swaps address sets atomically, a moving answer never shows an empty set', async () => {
    let n = 0
    gslb.respond = () => ({ addresses: [n++ % 2 ? '10.1.0.1' : '10.2.0.1'] })
    const { r } = make({ intervalMs: 20 })
    const seen: number[] = []
    r.subscribe((_name, addresses) => seen.push(addresses.length))
    r.track(NAME)
    await r.start()
    const reads: number[] = []
    await waitFor(
      () => {
        reads.push(r.addresses(NAME).length)
        return seen.length >= 10
      },
      { what: '10 changes' },
    )
    expect(seen.every((length) => length === 1)).toBe(true)
    expect(reads.every((length) => length === 1)).toBe(true)
  })

  it("order 'sorted' does not report a round-robin rotation as a change; 'answer' does", async () => {
    let n = 0
    gslb.respond = () => ({ addresses: n++ % 2 ? ['10.1.0.10', '10.1.0.9'] : ['10.1.0.9', '10.1.0.10'] })
    const sorted = make({ intervalMs: 30, order: 'sorted' })
    sorted.r.track(NAME)
    await sorted.r.start()
    await waitFor(() => gslb.count() >= 6, { what: '6 cycles' })
    await sorted.r.close()
    expect(sorted.changes.map((c) => c.current)).toEqual([['10.1.0.9', '10.1.0.10']])
    const asAnswered = make({ intervalMs: 30 })
    asAnswered.r.track(NAME)
    await asAnswered.r.start()
    await waitFor(() => asAnswered.changes.length >= 3, { what: 'three rotations' })
  })

  it("family 'both' lists the preferred family first", async () => {
    gslb.respond = () => ({ addresses: ['10.1.0.1', '2001:db8::1'] })
    const { r } = make()
    r.track(NAME, { family: 'both', prefer: 6 })
    r.track(`v4.${NAME}`, { family: 'both' })
    r.track(`v6.${NAME}`, { family: 6 })
    await r.start()
    expect(r.addresses(NAME)).toEqual(['2001:db8::1', '10.1.0.1'])
    expect(r.addresses(`v4.${NAME}`)).toEqual(['10.1.0.1', '2001:db8::1'])
    expect(r.addresses(`v6.${NAME}`)).toEqual(['2001:db8::1'])
  })

  it("family 'both' keeps the family that answers when the other has none", async () => {
    gslb.respond = () => ({ addresses: ['10.1.0.1'] })
    primary.respond = () => ({ addresses: [] })
    const { r, offline } = make()
    r.track(NAME, { family: 'both', prefer: 6 })
    await r.start()
    expect(r.addresses(NAME)).toEqual(['10.1.0.1'])
    expect(offline).toEqual([])
  })

  it("family 'both': losing the only family with addresses to a negative answer takes the name offline", async () => {
    // Regression: with the other family failing (below failThreshold) the name kept state 'online' with no addresses.
    let a: Script = { addresses: ['10.1.0.1'] }
    gslb.respond = primary.respond = (q) => (q.type === 'A' ? a : { rcode: 'SERVFAIL' })
    const { r, offline } = make({ failThreshold: 5 })
    r.track(NAME, { family: 'both' })
    await r.start()
    expect(r.status(NAME)).toMatchObject({ state: 'online', addresses: ['10.1.0.1'] })
    a = { addresses: [] }
    await r.resolveNow(NAME)
    expect(r.status(NAME)).toMatchObject({
      state: 'offline',
      addresses: [],
      offlineReason: { code: 'GSLB_RESOLVER_NODATA' },
    })
    expect(offline.map((e) => e.reason.code)).toEqual(['GSLB_RESOLVER_NODATA'])
    expect(offline[0]!.reason.message).toBe(`${NAME} has no A records (AAAA: no usable answer)`)
  })

  it('once() listeners run once', async () => {
    const { r } = make({ intervalMs: 30 })
    let n = 0
    gslb.respond = () => ({ addresses: [`10.1.0.${(n++ % 2) + 1}`] })
    const calls: string[][] = []
    const listeners = r.listenerCount('address:change')
    r.once('address:change', (e) => calls.push([...e.current]))
    r.track(NAME)
    await r.start()
    await waitFor(() => gslb.count() >= 4, { what: '4 cycles' })
    expect(calls).toEqual([['10.1.0.1']])
    expect(r.listenerCount('address:change')).toBe(listeners)
  })

  it('changing the family during a lookup looks the new family up as soon as that lookup ends', async () => {
    gslb.respond = () => ({ addresses: ['10.1.0.1', '2001:db8::1'], delay: 50 })
    const { r } = make({ intervalMs: 60_000 })
    r.track(NAME)
    const starting = r.start()
    await waitFor(() => gslb.count() === 1, { what: 'first query' })
    r.track(NAME, { family: 'both', prefer: 6 })
    await starting
    await waitFor(() => r.addresses(NAME).length === 2, { what: 'both families', timeoutMs: 1_000 })
    expect(r.addresses(NAME)).toEqual(['2001:db8::1', '10.1.0.1'])
  })

  it('switching to a family that has no answer yet leaves the name unresolved, not online with no addresses', async () => {
    const { r, online } = make({ intervalMs: 60_000 })
    r.track(NAME)
    await r.start()
    expect(r.status(NAME)).toMatchObject({ state: 'online', addresses: ['10.1.0.1'] })
    gslb.respond = primary.respond = (q) =>
      q.type === 'A' ? { addresses: ['10.1.0.1'] } : { rcode: 'SERVFAIL' }
    r.track(NAME, { family: 6 }) // A is no longer wanted; AAAA fails (below failThreshold)
    await waitFor(() => r.status(NAME)?.consecutiveFailures === 1, { what: 'the AAAA lookup failed' })
    expect(r.status(NAME)).toMatchObject({ state: 'unresolved', addresses: [], offlineReason: null })
    gslb.respond = () => ({ addresses: ['2001:db8::1'] })
    await r.resolveNow(NAME)
    expect(r.status(NAME)).toMatchObject({ state: 'online', addresses: ['2001:db8::1'] })
    expect(online).toEqual([['10.1.0.1'], ['2001:db8::1']])
  })

  it('untrack cancels the name and subscribe returns a working unsubscribe', async () => {
    const { r } = make({ intervalMs: 50 })
    const calls: string[] = []
    const unsubscribe = r.subscribe((name) => calls.push(name))
    r.track(NAME)
    r.track(NAME.toUpperCase()) // idempotent, names are case-insensitive
    await r.start()
    expect(calls).toEqual([NAME])
    unsubscribe()
    r.untrack(NAME)
    r.untrack(NAME)
    const count = gslb.count()
    await sleep(150)
    expect(gslb.count()).toBe(count)
    expect(r.addresses(NAME)).toEqual([])
    expect(r.snapshot().names).toEqual([])
  })

  it('a throwing listener does not stop the refresh loop', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      const { r } = make({ intervalMs: 50 })
      r.subscribe(() => {
        throw new Error('listener bug')
      })
      r.track(NAME)
      await r.start()
      gslb.respond = () => ({ addresses: ['10.1.0.9'] })
      await waitFor(() => r.addresses(NAME)[0] === '10.1.0.9', { what: 'next change', timeoutMs: 1_000 })
      expect(r.status(NAME)?.state).toBe('online')
      // nobody listens to 'handler:error': each throw becomes a process warning, the error itself
      expect(emitWarning).toHaveBeenCalledTimes(2)
      expect(emitWarning.mock.calls[0]?.[0]).toMatchObject({ message: 'listener bug' })
    } finally {
      emitWarning.mockRestore()
    }
  })

  it('reports a new offline reason, but not the same one every cycle', async () => {
    gslb.respond = primary.respond = () => ({ rcode: 'SERVFAIL' })
    const { r, offline } = make({ intervalMs: 30, failureIntervalMs: 10, failThreshold: 2 })
    r.track(NAME)
    await r.start()
    await waitFor(() => offline.length === 1, { what: 'offline after failures' })
    await waitFor(() => gslb.count() >= 6, { what: 'more failed cycles' })
    expect(offline.map((e) => e.reason.code)).toEqual(['GSLB_RESOLVER_FAILED'])
    gslb.respond = primary.respond = () => ({ rcode: 'NXDOMAIN' })
    await waitFor(() => offline.length === 2, { what: 'the new reason' })
    expect(offline[1]).toMatchObject({ previous: [], reason: { code: 'GSLB_RESOLVER_NXDOMAIN' } })
  })
})
