import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../src/cli.js'
import { validateConfig } from '../src/config/validate.js'
import { checkRoutes, formatRouteCheck, MAX_CHECKED_PEERS } from '../src/routes/check.js'
import { IpError, type IpRunner } from '../src/routes/ip.js'
import { namesResolvedElsewhere, routePeers, unicastPeer } from '../src/routes/peers.js'
import { type Json, memoryIo, seed } from './helpers.js'
import { fakeIp, ROUTES } from './ip-fake.js'

describe('routePeers', () => {
  test('--to first, then the PACS of each cluster, the site VIPs a name backend resolves to, each client subnet', () => {
    const config = validateConfig(seed())
    const peers = routePeers(config, ['10.7.7.7'])
    expect(peers[0]).toEqual({ address: '10.7.7.7', roles: ['named with --to'] })
    const byAddress = Object.fromEntries(peers.map((p) => [p.address, p]))
    expect(byAddress['10.1.1.11']!.roles).toContain('server 10.1.1.11:104 of service DICOM_CLUSTER_A')
    expect(byAddress['10.1.0.100']!.roles).toEqual(['member siteA of pool dicom'])
    expect(byAddress['10.2.0.100']!.roles).toEqual(['member siteB of pool dicom'])
    expect(byAddress['10.1.0.1']).toEqual({
      address: '10.1.0.1',
      roles: ['clients in datacenter A (10.1.0.0/16)'],
      fallback: '10.1.255.254',
    })
    expect(byAddress['192.168.2.1']!.roles).toEqual(['clients in datacenter B (192.168.2.0/24)'])
    expect(new Set(peers.map((p) => p.address)).size).toBe(peers.length)
    expect(namesResolvedElsewhere(config)).toEqual([])
  })

  test('no name backend: pool members are not the forwarder’s peers; allow lists stand for clients', () => {
    const raw = {
      node: { name: 'n' },
      gslb: {
        listen: [{ address: '127.0.0.1', port: 5353 }],
        zones: [{ name: 'dicom.test', nameservers: ['ns1.test.'] }],
        pools: { p: { members: [{ name: 'm', address: '10.3.0.1' }] } },
      },
      services: {
        S: {
          listen: [{ address: '10.0.0.50', port: 104 }],
          backends: [
            { address: '10.0.1.1', port: 104 },
            { address: '10.0.1.1', port: 11112 },
          ],
          allow: ['10.4.0.0/24', '10.5.0.9', '10.6.0.0/31', '2001:db8:1::/64', '0.0.0.0/0', '::/0'],
        },
      },
    } satisfies Json
    expect(routePeers(validateConfig(raw))).toEqual([
      {
        address: '10.0.1.1',
        roles: ['server 10.0.1.1:104 of service S', 'server 10.0.1.1:11112 of service S'],
      },
      { address: '10.4.0.1', roles: ['clients allowed by service S (10.4.0.0/24)'], fallback: '10.4.0.254' },
      { address: '10.5.0.9', roles: ['clients allowed by service S'] },
      { address: '10.6.0.0', roles: ['clients allowed by service S (10.6.0.0/31)'] },
      {
        address: '2001:db8:1::1',
        roles: ['clients allowed by service S (2001:db8:1::/64)'],
        fallback: '2001:db8:1:0:ffff:ffff:ffff:fffe',
      },
    ])
  })

  test('a backend name this config’s engine does not answer is named: only --to can bring its addresses in', () => {
    const raw = seed() as Json
    raw.services.DICOM_DNS_PROXY.backends[0].name = 'pacs.elsewhere.org'
    expect(namesResolvedElsewhere(validateConfig(raw))).toEqual(['pacs.elsewhere.org'])
  })

  test('--to: one host, written one way', () => {
    expect(unicastPeer('::ffff:a4e:5')).toEqual({ address: '10.78.0.5' })
    expect(unicastPeer('2001:DB8::0:1')).toEqual({ address: '2001:db8::1' })
    expect(unicastPeer('fe80::5%eth0')).toEqual({ error: 'is not an IP address (without a zone)' })
    expect(unicastPeer('0.0.0.0')).toEqual({ error: 'is the unspecified address, not a peer' })
    expect(unicastPeer('::')).toEqual({ error: 'is the unspecified address, not a peer' })
    expect(unicastPeer('255.255.255.255')).toEqual({ error: 'is the broadcast address, not a peer' })
    expect(unicastPeer('239.1.2.3')).toEqual({ error: 'is a multicast address, not a peer' })
    expect(unicastPeer('ff02::1')).toEqual({ error: 'is a multicast address, not a peer' })
  })
})

describe('checkRoutes and its report', () => {
  const peer = (address: string, role = 'server') => ({ address, roles: [role] })
  const peers = [
    peer('10.8.1.1'),
    peer('10.9.0.5', 'clients in datacenter A (10.9.0.0/24)'),
    peer('10.9.0.6', 'clients in datacenter A (10.9.0.0/24)'),
    peer('10.9.0.1'),
    peer('192.0.2.77'),
    peer('10.50.0.1'),
    peer('10.97.0.1'),
  ]
  ROUTES['10.9.0.6'] = ROUTES['10.9.0.5']!

  test('counts what lacks quickack or a route, keeps the order, prints each command once and why others have none', async () => {
    const check = await checkRoutes(peers, fakeIp())
    expect(check.peers.map((p) => p.kind)).toEqual([
      'quickack',
      'missing',
      'missing',
      'local',
      'unreachable',
      'missing',
      'missing',
    ])
    expect(check.failing).toBe(5)
    expect(check.notChecked).toBe(0)
    const text = formatRouteCheck(check, 'lb-a1', ['pacs.elsewhere.org'])
    expect(text).toContain('quickack on the routes of node lb-a1')
    expect(text).toMatch(/10\.8\.1\.1 +quickack +via 10\.9\.0\.2 dev eth0 +server/)
    expect(text).toMatch(/10\.9\.0\.5 +NO QUICKACK +10\.9\.0\.0\/24 dev eth0 +clients in datacenter A/)
    expect(text).toMatch(/10\.97\.0\.1 +NO QUICKACK +10\.97\.0\.0\/16 via 10\.9\.0\.3 dev eth0 +server/)
    expect(text).toMatch(/192\.0\.2\.77 +NO ROUTE +Network is unreachable/)
    expect(text).toContain('4 of 7 peers are reached by routes without quickack')
    expect(text).toContain('Set it now with:')
    expect(text.split('ip route change 10.9.0.0/24').length).toBe(2)
    expect(text).toContain('(no command for 10.50.0.1: it is in routing table 10 (policy routing)')
    expect(text).toContain('(no command for 10.97.0.1: dhcp wrote it and would write it again')
    expect(text).toContain('A connected route (proto kernel) comes back without quickack')
    expect(text).toContain('1 peer has no usable route from this host.')
    expect(text).toContain('backend names resolved outside this config (pacs.elsewhere.org)')
    expect(text).not.toContain('no client subnets')
    expect(text).not.toContain('every route')
  })

  test('with no command to run, no "set it now" and no reboot advice', async () => {
    const text = formatRouteCheck(await checkRoutes([peer('10.97.0.1')], fakeIp()), 'n')
    expect(text).toContain('1 of 1 peer is reached by routes without quickack')
    expect(text).not.toContain('Set it now')
    expect(text).not.toContain('survive a reboot')
  })

  test('a client subnet whose first address is this host is checked at its last one', async () => {
    const check = await checkRoutes(
      [{ address: '10.9.0.1', roles: ['clients in datacenter A (10.9.0.0/24)'], fallback: '10.9.0.5' }],
      fakeIp(),
    )
    expect(check.peers).toEqual([
      expect.objectContaining({
        address: '10.9.0.5',
        kind: 'missing',
        roles: ['clients in datacenter A (10.9.0.0/24)'],
      }),
    ])
  })

  test('every route with quickack: says so; no client subnet: says how to name modalities', async () => {
    const check = await checkRoutes([peer('10.8.1.1')], fakeIp())
    expect(check.failing).toBe(0)
    const text = formatRouteCheck(check, 'n')
    expect(text).toContain('every route to a peer acknowledges at once.')
    expect(text).toContain('name modalities with --to <address>')
  })

  test(`at most ${MAX_CHECKED_PEERS} peers, 8 ip processes at a time; the unchecked are not a pass`, async () => {
    let running = 0
    let most = 0
    const slow: IpRunner = async (args) => {
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setImmediate(resolve))
      running--
      return fakeIp()(args)
    }
    const many = Array.from({ length: MAX_CHECKED_PEERS + 5 }, () => peer('10.8.1.1', 'x'))
    const check = await checkRoutes(many, slow)
    expect(check.peers).toHaveLength(MAX_CHECKED_PEERS)
    expect(check.notChecked).toBe(5)
    expect(check.failing).toBe(5)
    expect(most).toBe(8)
    const text = formatRouteCheck(check, 'n')
    expect(text).toContain(`5 more peers not checked (at most ${MAX_CHECKED_PEERS} and 60 s`)
    expect(text).not.toContain('every route')
  })

  test('past the deadline nothing more is asked, and what is left is not a pass', async () => {
    const calls: string[][] = []
    const check = await checkRoutes([peer('10.8.1.1'), peer('10.8.1.1')], fakeIp(calls), { deadlineMs: -1 })
    expect(calls).toEqual([])
    expect(check).toMatchObject({ peers: [], notChecked: 2, failing: 2 })
  })

  test('a failing ip ends the check: the other workers stop instead of asking for every peer', async () => {
    let calls = 0
    const failingOnce: IpRunner = async (args) => {
      calls++
      await new Promise((resolve) => setImmediate(resolve))
      if (args.at(-1) === '10.0.0.66')
        throw new IpError('ip -4 -json route get 10.0.0.66 did not answer within 3000 ms')
      return fakeIp()(args)
    }
    const many = [peer('10.0.0.66'), ...Array.from({ length: 200 }, () => peer('10.8.1.1'))]
    await expect(checkRoutes(many, failingOnce)).rejects.toThrow('did not answer')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(calls).toBeLessThanOrEqual(16)
  })
})

describe('gslb-lb routes', () => {
  let dir: string
  let config: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gslb-routes-'))
    config = join(dir, 'node.json')
    writeFileSync(
      config,
      JSON.stringify({
        node: { name: 'lb-a1' },
        services: {
          CLUSTER: {
            listen: [{ address: '10.9.0.1', port: 104 }],
            backends: [{ address: '10.9.0.5', port: 104 }],
          },
        },
      }),
    )
  })

  afterAll(() => rmSync(dir, { recursive: true }))

  async function run(args: string[], ip?: IpRunner) {
    const io = memoryIo()
    const code = await main(args, { ...io.io, ...(ip ? { ip } : {}) })
    return { code, out: io.out(), err: io.err() }
  }

  test('a route without quickack: exit 1 and the command; --to in any spelling of one host', async () => {
    const calls: string[][] = []
    const result = await run(['routes', '-c', config, '--to', '::ffff:a08:101'], fakeIp(calls))
    expect(result).toMatchObject({ code: 1, err: '' })
    expect(result.out).toMatch(/10\.8\.1\.1 +quickack .* named with --to/)
    expect(result.out).toContain(
      '  ip route change 10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.1 quickack 1',
    )
    expect(calls[0]).toEqual(['-4', '-json', 'route', 'get', '10.8.1.1'])
  })

  test('--json: the same, as data', async () => {
    const result = await run(['routes', '-c', config, '--json'], fakeIp())
    expect(result.code).toBe(1)
    expect(JSON.parse(result.out)).toMatchObject({
      node: 'lb-a1',
      failing: 1,
      notChecked: 0,
      namesResolvedElsewhere: [],
      peers: [{ address: '10.9.0.5', kind: 'missing', prefix: '10.9.0.0/24', connected: true }],
    })
  })

  test('ip failing: exit 5 with what failed, not a verdict', async () => {
    const broken: IpRunner = async () => {
      throw new IpError('ip -4 -json route get 10.9.0.5 failed: Option "-json" is unknown')
    }
    const result = await run(['routes', '-c', config], broken)
    expect(result).toMatchObject({ code: 5, out: '' })
    expect(result.err).toContain(
      'cannot read the routes: ip -4 -json route get 10.9.0.5 failed: Option "-json"',
    )
  })

  test.each([
    ['10.0.0.300', 'is not an IP address (without a zone)'],
    ['fe80::5%eth0', 'is not an IP address (without a zone)'],
    ['224.0.0.1', 'is a multicast address, not a peer'],
  ])('--to %s: exit 2, says why', async (address, why) => {
    const result = await run(['routes', '-c', config, '--to', address], fakeIp())
    expect(result.code).toBe(2)
    expect(result.err).toContain(`--to: '${address}' ${why}`)
  })

  test('an unreadable config: exit 3, names the file', async () => {
    const result = await run(['routes', '-c', join(dir, 'missing.json')], fakeIp())
    expect(result.code).toBe(3)
    expect(result.err).toContain('missing.json')
  })
})
