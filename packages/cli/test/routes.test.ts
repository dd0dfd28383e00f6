import { main } from '../src/cli.js'
import { validateConfig } from '../src/config/validate.js'
import { CliError, exitCodeOf } from '../src/errors.js'
import { checkRoutes, formatRouteCheck, MAX_CHECKED_PEERS } from '../src/routes/check.js'
import { namesResolvedElsewhere, routePeers } from '../src/routes/peers.js'
import { IpError, type IpRunner, parseRoutes, routeVerdict } from '../src/routes/route-table.js'
import { type Json, memoryIo, seed } from './helpers.js'

// What iproute2 prints (taken from a namespace with these routes): for each address, `ip -json route get` (the
// verdict), `ip -d -json route get fibmatch` (the exact route) and `ip route get fibmatch` (its text, for `lock`).
interface Fake {
  get: unknown[]
  fib?: unknown[]
  text?: string
}
const route = (dst: string, extra: Record<string, unknown> = {}) => ({
  type: 'unicast',
  dst,
  table: 'main',
  protocol: 'boot',
  scope: 'global',
  flags: [],
  ...extra,
})
const ROUTES: Record<string, Fake> = {
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
  },
  '10.9.0.5': {
    get: [{ dst: '10.9.0.5', dev: 'eth0', prefsrc: '10.9.0.1', flags: [], uid: 0, cache: [] }],
    fib: [route('10.9.0.0/24', { dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '10.9.0.1' })],
    text: '10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.1 \n',
  },
  '10.200.0.1': {
    get: [{ dst: '10.200.0.1', gateway: '10.9.0.3', dev: 'eth0', flags: [], uid: 0, cache: [] }],
    fib: [
      route('default', {
        gateway: '10.9.0.3',
        dev: 'eth0',
        metric: 100,
        flags: ['onlink', 'linkdown'],
        metrics: [{ mtu: 1400, rtt: 10, congestion: 'cubic' }],
      }),
    ],
    text: 'default via 10.9.0.3 dev eth0 metric 100 onlink linkdown mtu lock 1400 rtt 10ms congctl cubic \n',
  },
  '10.80.0.1': {
    get: [{ dst: '10.80.0.1', dev: 'eth0', flags: [], cache: [] }],
    fib: [route('10.80.0.0/16', { dev: 'eth$(reboot)' })],
    text: '10.80.0.0/16 dev eth$(reboot) \n',
  },
  '10.9.0.1': {
    get: [{ type: 'local', dst: '10.9.0.1', dev: 'lo', prefsrc: '10.9.0.1', flags: [], cache: ['local'] }],
  },
  '2001:db8::7': {
    get: [{ dst: '2001:db8::7', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [], pref: 'medium' }],
    fib: [route('2001:db8:5::/48', { gateway: '2001:db8::9', dev: 'eth0', metric: 1024, pref: 'high' })],
    text: '2001:db8:5::/48 via 2001:db8::9 dev eth0 metric 1024 pref high\n',
  },
  '10.50.0.1': {
    get: [{ dst: '10.50.0.1', gateway: '10.9.0.99', dev: 'eth1', table: '10', flags: [], cache: [] }],
    fib: [route('default', { gateway: '10.9.0.99', dev: 'eth1', table: '10' })],
    text: 'default via 10.9.0.99 dev eth1 table 10 \n',
  },
  '10.60.0.1': {
    get: [{ dst: '10.60.0.1', gateway: '10.9.0.3', dev: 'eth0', flags: [], cache: [] }],
    fib: [route('10.60.0.0/16', { nexthops: [{ gateway: '10.9.0.3' }, { gateway: '10.9.0.4' }] })],
    text: '10.60.0.0/16 \n\tnexthop via 10.9.0.3 dev eth0 weight 1 \n\tnexthop via 10.9.0.4 dev eth0 weight 1 \n',
  },
  '10.96.0.1': {
    get: [{ dst: '10.96.0.1', via: { family: 'inet6', host: 'fe80::1' }, dev: 'eth0', flags: [], cache: [] }],
    fib: [route('10.96.0.0/16', { via: { family: 'inet6', host: 'fe80::1' }, dev: 'eth0' })],
    text: '10.96.0.0/16 via inet6 fe80::1 dev eth0 \n',
  },
  '10.97.0.1': {
    get: [{ dst: '10.97.0.1', gateway: '10.9.0.3', dev: 'eth0', flags: [], cache: [] }],
    fib: [route('10.97.0.0/16', { gateway: '10.9.0.3', dev: 'eth0', protocol: 'dhcp' })],
    text: '10.97.0.0/16 via 10.9.0.3 dev eth0 proto dhcp \n',
  },
  '10.98.0.1': {
    get: [{ dst: '10.98.0.1', gateway: '10.9.0.3', dev: 'eth0', flags: [], cache: [] }],
    fib: [route('10.98.0.0/16', { gateway: '10.9.0.3', dev: 'eth0', metrics: [{ features: ['ecn'] }] })],
    text: '10.98.0.0/16 via 10.9.0.3 dev eth0 features ecn \n',
  },
}

function fakeIp(calls: string[][] = []): IpRunner {
  return async (args) => {
    calls.push([...args])
    const address = args.at(-1)!
    const routes = ROUTES[address]
    if (!routes) throw new IpError('Network is unreachable', true)
    if (!args.includes('fibmatch')) return JSON.stringify(routes.get)
    return args.includes('-json') ? JSON.stringify(routes.fib ?? []) : (routes.text ?? '')
  }
}

describe('routeVerdict', () => {
  test('a route carrying quickack 1', async () => {
    expect(await routeVerdict('10.8.1.1', fakeIp())).toMatchObject({
      kind: 'quickack',
      route: { gateway: '10.9.0.2' },
    })
  })

  test('a connected route without it: the command keeps proto, scope and src', async () => {
    expect(await routeVerdict('10.9.0.5', fakeIp())).toMatchObject({
      kind: 'missing',
      change: 'ip route change 10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.1 quickack 1',
    })
  })

  test('the command keeps metric, onlink, a locked mtu, rtt in ms and the congestion control; not state flags', async () => {
    expect(await routeVerdict('10.200.0.1', fakeIp())).toMatchObject({
      kind: 'missing',
      change:
        'ip route change default via 10.9.0.3 dev eth0 proto boot scope global metric 100 onlink mtu lock 1400 rtt 10ms congctl cubic quickack 1',
    })
  })

  test('a word the shell would read otherwise is quoted', async () => {
    expect(await routeVerdict('10.80.0.1', fakeIp())).toMatchObject({
      change: "ip route change 10.80.0.0/16 dev 'eth$(reboot)' proto boot scope global quickack 1",
    })
  })

  test('IPv6 asks with -6 and keeps pref; an IPv4-mapped peer is asked over IPv4', async () => {
    const calls: string[][] = []
    expect(await routeVerdict('2001:db8::7', fakeIp(calls))).toMatchObject({
      kind: 'missing',
      change:
        'ip -6 route change 2001:db8:5::/48 via 2001:db8::9 dev eth0 proto boot scope global metric 1024 pref high quickack 1',
    })
    expect(calls).toEqual([
      ['-6', '-json', 'route', 'get', '2001:db8::7'],
      ['-6', '-d', '-json', 'route', 'get', 'fibmatch', '2001:db8::7'],
      ['-6', 'route', 'get', 'fibmatch', '2001:db8::7'],
    ])
    const mapped: string[][] = []
    expect(await routeVerdict('::ffff:10.8.1.1', fakeIp(mapped))).toMatchObject({ kind: 'quickack' })
    expect(mapped).toEqual([['-4', '-json', 'route', 'get', '10.8.1.1']])
  })

  test('this host: nothing to check', async () => {
    expect(await routeVerdict('10.9.0.1', fakeIp())).toMatchObject({ kind: 'local' })
  })

  test.each([
    ['10.50.0.1', 'it is in routing table 10 (policy routing)'],
    ['10.60.0.1', 'it has several next hops'],
    ['10.96.0.1', 'attributes this command does not print back (via)'],
    [
      '10.97.0.1',
      "dhcp wrote it and would write it again: set quickack 1 where dhcp's routes are configured",
    ],
    ['10.98.0.1', 'the metric features'],
  ])('no command that would change %s’s route in another way: says why', async (address, why) => {
    const verdict = await routeVerdict(address, fakeIp())
    expect(verdict).toMatchObject({ kind: 'missing', noChange: expect.stringContaining(why) })
    expect(verdict).not.toHaveProperty('change')
  })

  test('no route: the kernel says why', async () => {
    expect(await routeVerdict('192.0.2.77', fakeIp())).toEqual({
      kind: 'unreachable',
      error: 'Network is unreachable',
    })
  })

  test('a failing ip (missing, too old for -json, timing out) is thrown, not reported as a missing route', async () => {
    const broken: IpRunner = async () => {
      throw new IpError('ip -4 -json route get 10.9.0.5 failed: Option "-json" is unknown')
    }
    await expect(routeVerdict('10.9.0.5', broken)).rejects.toThrow('Option "-json" is unknown')
  })

  test('output that is not what iproute2 prints is an error that quotes it', () => {
    expect(() => parseRoutes('Usage: ip route')).toThrow(/not JSON: "Usage: ip route"/)
    expect(() => parseRoutes('{"dst":"x"}')).toThrow(/unexpected shape/)
    expect(() => parseRoutes('[{"gateway":"x"}]')).toThrow(/unexpected shape/)
    expect(() => parseRoutes('[{"dst":"x","metrics":{"mtu":1}}]')).toThrow(/unexpected shape/)
    expect(() => parseRoutes('[{"dst":"x","metrics":[null]}]')).toThrow(/unexpected shape/)
    expect(() => parseRoutes('[{"dst":"x","flags":"onlink"}]')).toThrow(/unexpected shape/)
    expect(parseRoutes('[]')).toEqual([])
  })
})

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
    const peers = routePeers(validateConfig(raw))
    expect(peers).toEqual([
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
})

describe('checkRoutes and its report', () => {
  const peers = ['10.8.1.1', '10.9.0.5', '10.9.0.6', '10.9.0.1', '192.0.2.77', '10.50.0.1', '10.97.0.1'].map(
    (address) => ({
      address,
      roles: [
        address === '10.9.0.5' || address === '10.9.0.6' ? 'clients in datacenter A (10.9.0.0/24)' : 'server',
      ],
    }),
  )
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
    expect(text).toMatch(/192\.0\.2\.77 +NO ROUTE +Network is unreachable/)
    expect(text).toContain('4 of 7 peers are reached by routes without quickack')
    expect(text.split('ip route change 10.9.0.0/24').length).toBe(2)
    expect(text).toContain('(no command for 10.50.0.1: it is in routing table 10 (policy routing)')
    expect(text).toContain('(no command for 10.97.0.1: dhcp wrote it and would write it again')
    expect(text).toContain('1 peers have no route from this host.')
    expect(text).toContain('backend names resolved outside this config (pacs.elsewhere.org)')
    expect(text).not.toContain('no client subnets')
    expect(text).not.toContain('every route')
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
    const check = await checkRoutes([{ address: '10.8.1.1', roles: ['server'] }], fakeIp())
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
    const many = Array.from({ length: MAX_CHECKED_PEERS + 5 }, () => ({ address: '10.8.1.1', roles: ['x'] }))
    const check = await checkRoutes(many, slow)
    expect(check.peers).toHaveLength(MAX_CHECKED_PEERS)
    expect(check.notChecked).toBe(5)
    expect(check.failing).toBe(5)
    expect(most).toBe(8)
    const text = formatRouteCheck(check, 'n')
    expect(text).toContain(`5 more peers not checked (the first ${MAX_CHECKED_PEERS} were`)
    expect(text).not.toContain('every route')
  })
})

describe('gslb-lb routes: bad input', () => {
  async function run(args: string[], env: Record<string, string> = {}) {
    const io = memoryIo(env)
    const code = await main(args, io.io)
    return { code, out: io.out(), err: io.err() }
  }

  test.each(['10.0.0.300', 'fe80::5%eth0'])('--to %s: exit 2, says which', async (address) => {
    const result = await run(['routes', '-c', '/nonexistent.json', '--to', address])
    expect(result.code).toBe(2)
    expect(result.err).toContain(`--to: '${address}' is not an IP address (without a zone)`)
  })

  test('routes that cannot be read: exit 5, apart from a route without quickack (1)', () => {
    expect(exitCodeOf(new CliError('GSLB_ROUTES_UNREADABLE', "'ip' (iproute2) is not installed"))).toBe(5)
  })

  test('an unreadable config: exit 3, names the file', async () => {
    const result = await run(['routes', '-c', '/nonexistent/gslb.json'])
    expect(result.code).toBe(3)
    expect(result.err).toContain('/nonexistent/gslb.json')
  })
})
