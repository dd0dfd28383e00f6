import { main } from '../src/cli.js'
import { validateConfig } from '../src/config/validate.js'
import { checkRoutes, formatRouteCheck, MAX_CHECKED_PEERS } from '../src/routes/check.js'
import { routePeers } from '../src/routes/peers.js'
import { type IpRunner, parseRoutes, routeVerdict } from '../src/routes/route-table.js'
import { type Json, memoryIo, seed } from './helpers.js'

// `ip -json route …` as iproute2 prints it (taken from a namespace with these routes):
//   default via 10.9.0.3 dev eth0; 10.8.0.0/16 via 10.9.0.2 dev eth0 quickack 1;
//   10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.1
const ROUTES: Record<string, { get: unknown[]; match: unknown[] }> = {
  '10.8.1.1': {
    get: [
      {
        dst: '10.8.1.1',
        gateway: '10.9.0.2',
        dev: 'eth0',
        prefsrc: '10.9.0.1',
        flags: [],
        uid: 0,
        cache: [],
        metrics: [{ quickack: 1 }],
      },
    ],
    match: [],
  },
  '10.9.0.5': {
    get: [{ dst: '10.9.0.5', dev: 'eth0', prefsrc: '10.9.0.1', flags: [], uid: 0, cache: [] }],
    match: [
      { dst: 'default', gateway: '10.9.0.3', dev: 'eth0', flags: [] },
      { dst: '10.9.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '10.9.0.1', flags: [] },
    ],
  },
  '10.200.0.1': {
    get: [
      {
        dst: '10.200.0.1',
        gateway: '10.9.0.3',
        dev: 'eth0',
        prefsrc: '10.9.0.1',
        flags: [],
        uid: 0,
        cache: [],
      },
    ],
    match: [
      {
        dst: 'default',
        gateway: '10.9.0.3',
        dev: 'eth0',
        protocol: 'static',
        metric: 100,
        flags: ['onlink'],
        metrics: [{ mtu: 1400 }],
      },
    ],
  },
  '10.9.0.1': {
    get: [{ type: 'local', dst: '10.9.0.1', dev: 'lo', prefsrc: '10.9.0.1', flags: [], cache: ['local'] }],
    match: [],
  },
  '2001:db8::7': {
    get: [{ dst: '2001:db8::7', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [], pref: 'medium' }],
    match: [
      { dst: '2001:db8::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [], pref: 'medium' },
    ],
  },
  // policy routing: `route get` goes through table 10, the main table's best match goes elsewhere
  '10.50.0.1': {
    get: [{ dst: '10.50.0.1', gateway: '10.9.0.99', dev: 'eth1', table: '10', flags: [], cache: [] }],
    match: [{ dst: 'default', gateway: '10.9.0.3', dev: 'eth0', flags: [] }],
  },
  // a metric `ip route change` could not be given back as printed
  '10.60.0.1': {
    get: [{ dst: '10.60.0.1', gateway: '10.9.0.3', dev: 'eth0', flags: [], cache: [] }],
    match: [
      { dst: '10.60.0.0/16', gateway: '10.9.0.3', dev: 'eth0', flags: [], metrics: [{ features: ['ecn'] }] },
    ],
  },
}

function fakeIp(calls: string[][] = []): IpRunner {
  return async (args) => {
    calls.push([...args])
    const address = args.at(-1)!
    const routes = ROUTES[address]
    if (!routes) throw new Error('RTNETLINK answers: Network is unreachable')
    return JSON.stringify(args.includes('get') ? routes.get : routes.match)
  }
}

describe('routeVerdict', () => {
  test('a route carrying quickack 1', async () => {
    expect(await routeVerdict('10.8.1.1', fakeIp())).toMatchObject({
      kind: 'quickack',
      route: { gateway: '10.9.0.2' },
    })
  })

  test('a connected route without it: the change command keeps proto, scope and src', async () => {
    expect(await routeVerdict('10.9.0.5', fakeIp())).toMatchObject({
      kind: 'missing',
      change: 'ip route change 10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.1 quickack 1',
    })
  })

  test('the default route: the change command keeps metric, onlink and other metrics', async () => {
    expect(await routeVerdict('10.200.0.1', fakeIp())).toMatchObject({
      kind: 'missing',
      change:
        'ip route change default via 10.9.0.3 dev eth0 proto static metric 100 onlink mtu 1400 quickack 1',
    })
  })

  test('IPv6 asks with -6 and prints ip -6 route change', async () => {
    const calls: string[][] = []
    expect(await routeVerdict('2001:db8::7', fakeIp(calls))).toMatchObject({
      kind: 'missing',
      change: 'ip -6 route change 2001:db8::/64 dev eth0 proto kernel metric 256 quickack 1',
    })
    expect(calls).toEqual([
      ['-6', '-json', 'route', 'get', '2001:db8::7'],
      ['-6', '-json', 'route', 'show', 'match', '2001:db8::7'],
    ])
  })

  test('this host: nothing to check', async () => {
    expect(await routeVerdict('10.9.0.1', fakeIp())).toMatchObject({ kind: 'local' })
  })

  test('no command where the route is not in the main table, or has a metric that cannot be printed back', async () => {
    const policy = await routeVerdict('10.50.0.1', fakeIp())
    expect(policy).toMatchObject({ kind: 'missing' })
    expect(policy).not.toHaveProperty('change')
    const features = await routeVerdict('10.60.0.1', fakeIp())
    expect(features).toMatchObject({ kind: 'missing' })
    expect(features).not.toHaveProperty('change')
  })

  test('no route: the kernel says why', async () => {
    expect(await routeVerdict('192.0.2.77', fakeIp())).toEqual({
      kind: 'unreachable',
      error: 'Network is unreachable',
    })
  })

  test('ip missing is thrown, not reported per peer', async () => {
    const missing: IpRunner = async () => {
      throw Object.assign(new Error("'ip' (iproute2) is not installed"), { code: 'ENOENT' })
    }
    await expect(routeVerdict('10.9.0.5', missing)).rejects.toThrow('not installed')
  })

  test('output that is not what iproute2 prints is an error that quotes it', () => {
    expect(() => parseRoutes('Usage: ip route')).toThrow(/not JSON: "Usage: ip route"/)
    expect(() => parseRoutes('{"dst":"x"}')).toThrow(/unexpected shape/)
    expect(() => parseRoutes('[{"gateway":"x"}]')).toThrow(/unexpected shape/)
    expect(parseRoutes('[]')).toEqual([])
  })
})

describe('routePeers', () => {
  test("the seed: PACS of each cluster, the site VIPs a name backend resolves to, each client subnet's first host", () => {
    const peers = routePeers(validateConfig(seed()), ['10.7.7.7'])
    const byAddress = Object.fromEntries(peers.map((p) => [p.address, p.roles]))
    expect(byAddress['10.1.1.11']).toContain('server 10.1.1.11:104 of service DICOM_CLUSTER_A')
    expect(byAddress['10.1.0.100']).toEqual(['member siteA of pool dicom'])
    expect(byAddress['10.2.0.100']).toEqual(['member siteB of pool dicom'])
    expect(byAddress['10.1.0.1']).toEqual(['clients in datacenter A (10.1.0.0/16)'])
    expect(byAddress['192.168.2.1']).toEqual(['clients in datacenter B (192.168.2.0/24)'])
    expect(byAddress['10.7.7.7']).toEqual(['named with --to'])
    expect(new Set(peers.map((p) => p.address)).size).toBe(peers.length)
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
    const peers = routePeers(validateConfig(raw))
    expect(peers).toEqual([
      {
        address: '10.0.1.1',
        roles: ['server 10.0.1.1:104 of service S', 'server 10.0.1.1:11112 of service S'],
      },
      { address: '10.4.0.1', roles: ['clients allowed by service S (10.4.0.0/24)'] },
      { address: '10.5.0.9', roles: ['clients allowed by service S'] },
      { address: '10.6.0.0', roles: ['clients allowed by service S (10.6.0.0/31)'] },
      { address: '2001:db8:1::1', roles: ['clients allowed by service S (2001:db8:1::/64)'] },
    ])
  })
})

describe('checkRoutes and its report', () => {
  const peers = ['10.8.1.1', '10.9.0.5', '10.9.0.6', '10.9.0.1', '192.0.2.77', '10.50.0.1'].map(
    (address) => ({
      address,
      roles: [
        address === '10.9.0.5' || address === '10.9.0.6' ? 'clients in datacenter A (10.9.0.0/24)' : 'server',
      ],
    }),
  )
  ROUTES['10.9.0.6'] = ROUTES['10.9.0.5']!

  test('counts what lacks quickack or a route, keeps the order, prints each command once', async () => {
    const check = await checkRoutes(peers, fakeIp())
    expect(check.peers.map((p) => p.kind)).toEqual([
      'quickack',
      'missing',
      'missing',
      'local',
      'unreachable',
      'missing',
    ])
    expect(check.failing).toBe(4)
    expect(check.notChecked).toBe(0)
    const text = formatRouteCheck(check, 'lb-a1')
    expect(text).toContain('quickack on the routes of node lb-a1')
    expect(text).toMatch(/10\.8\.1\.1 +quickack +via 10\.9\.0\.2 dev eth0 +server/)
    expect(text).toMatch(/192\.0\.2\.77 +NO ROUTE +Network is unreachable/)
    expect(text).toContain('3 of 6 peers are reached by routes without quickack')
    expect(text.split('ip route change 10.9.0.0/24').length).toBe(2)
    expect(text).toContain(
      '(10.50.0.1: its route via 10.9.0.99 dev eth1 is not a single-path route of the main table',
    )
    expect(text).toContain('1 peers have no route from this host.')
    expect(text).not.toContain('no client subnets')
  })

  test('every route with quickack: says so; no client subnet: says how to name modalities', async () => {
    const check = await checkRoutes([{ address: '10.8.1.1', roles: ['server'] }], fakeIp())
    expect(check.failing).toBe(0)
    const text = formatRouteCheck(check, 'n')
    expect(text).toContain('every route to a peer acknowledges at once.')
    expect(text).toContain('name modalities with --to <address>')
  })

  test(`at most ${MAX_CHECKED_PEERS} peers, 8 ip processes at a time`, async () => {
    let running = 0
    let most = 0
    const slow: IpRunner = async (args) => {
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setImmediate(resolve))
      running--
      return fakeIp()(args)
    }
    const many = Array.from({ length: MAX_CHECKED_PEERS + 5 }, () => ({ address: '10.8.1.1', roles: ['x'] }))
    const check = await checkRoutes(many, slow)
    expect(check.peers).toHaveLength(MAX_CHECKED_PEERS)
    expect(check.notChecked).toBe(5)
    expect(most).toBe(8)
    expect(formatRouteCheck(check, 'n')).toContain(
      `5 more peers not checked (the first ${MAX_CHECKED_PEERS} were)`,
    )
  })
})

describe('gslb-lb routes: bad input', () => {
  async function run(args: string[], env: Record<string, string> = {}) {
    const io = memoryIo(env)
    const code = await main(args, io.io)
    return { code, out: io.out(), err: io.err() }
  }

  test('--to that is not an address: exit 2, says which', async () => {
    const result = await run(['routes', '-c', '/nonexistent.json', '--to', '10.0.0.300'])
    expect(result.code).toBe(2)
    expect(result.err).toContain("--to: '10.0.0.300' is not an IP address")
  })

  test('an unreadable config: exit 3, names the file', async () => {
    const result = await run(['routes', '-c', '/nonexistent/gslb.json'])
    expect(result.code).toBe(3)
    expect(result.err).toContain('/nonexistent/gslb.json')
  })
})
