import { activeResources, leakedSince } from '../../../../test/support/handles.js'
import { requirePeer } from '../../../../test/support/peers.js'
import { startUnbound, type Unbound } from '../../../../test/support/unbound.js'
import { createResolver, type NameOfflineEvent, type Resolver } from '../../src/index.js'

const ZONE = 'mysite.example'
const BIG = Array.from({ length: 150 }, (_, i) => `big.${ZONE}. 5 IN A 10.8.${i >> 8}.${i & 255}`)

describe('against Debian unbound as the primary DNS', () => {
  let unbound: Unbound
  let resolver: Resolver | undefined
  let before: Record<string, number>

  beforeAll(async () => {
    const binary = requirePeer('unbound', 'unbound')
    unbound = await startUnbound(binary, ZONE, [
      `dicom.${ZONE}. 5 IN A 10.9.0.1`,
      `dicom.${ZONE}. 5 IN A 10.9.0.2`,
      `dicom.${ZONE}. 5 IN AAAA 2001:db8:9::1`,
      `alias.${ZONE}. 5 IN CNAME dicom.${ZONE}.`,
      ...BIG,
    ])
  })

  afterAll(async () => {
    await unbound?.dispose()
  })

  beforeEach(() => {
    before = activeResources()
  })

  afterEach(async () => {
    await resolver?.close({ deadlineMs: 0 })
    resolver = undefined
    expect(await leakedSince(before)).toEqual({})
  })

  it('resolves A, AAAA and a CNAME from unbound, preferred family first', async () => {
    resolver = createResolver({ nameservers: [unbound.address], timeoutMs: 500 })
    resolver.track(`dicom.${ZONE}`, { family: 'both', prefer: 6 })
    resolver.track(`alias.${ZONE}`)
    await resolver.start()
    expect(resolver.addresses(`dicom.${ZONE}`)).toEqual(['2001:db8:9::1', '10.9.0.1', '10.9.0.2'])
    expect([...resolver.addresses(`alias.${ZONE}`)].sort()).toEqual(['10.9.0.1', '10.9.0.2'])
    expect(resolver.status(`dicom.${ZONE}`)).toMatchObject({
      state: 'online',
      nameserver: unbound.address,
      ttl: 5,
    })
  })

  it('HAProxy #341/#1421: gets a 150-address answer that does not fit in 1232 bytes by retrying over TCP', async () => {
    resolver = createResolver({ nameservers: [unbound.address], timeoutMs: 1_000, maxAddresses: 200 })
    resolver.track(`big.${ZONE}`)
    await resolver.start()
    expect(resolver.addresses(`big.${ZONE}`)).toHaveLength(150)
    expect(resolver.snapshot().nameservers[0]).toMatchObject({ sent: 2, truncated: 1, answered: 1 })
  })

  it("takes unbound's NXDOMAIN as the last word, per policy", async () => {
    const offline: NameOfflineEvent[] = []
    resolver = createResolver({
      nameservers: [unbound.address],
      timeoutMs: 500,
      negativePolicy: 'authoritative',
    })
    resolver.on('name:offline', (e) => offline.push(e))
    resolver.track(`missing.${ZONE}`)
    resolver.track(`dicom.${ZONE}`, { family: 6 })
    await resolver.start()
    expect(resolver.addresses(`missing.${ZONE}`)).toEqual([])
    expect(offline.map((e) => e.reason.code)).toEqual(['GSLB_RESOLVER_NXDOMAIN'])
    expect(resolver.addresses(`dicom.${ZONE}`)).toEqual(['2001:db8:9::1'])
  })
})
