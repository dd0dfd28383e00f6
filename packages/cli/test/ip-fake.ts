import { IpError, type IpRunner } from '../src/routes/ip.js'

/**
 * What iproute2 6.1 prints for the routes of a namespace (the JSON as `ip -json` gave it): for each address,
 * `ip -json route get` (the verdict), `ip -d -json route get fibmatch` (the exact route), `ip route get fibmatch` (its
 * text, for `lock`) and `ip -json route show table main exact <prefix>` (routes `change` could hit instead).
 */
export interface FakeRoutes {
  get: unknown[]
  fib?: unknown[]
  text?: string
  exact?: unknown[]
}

export const route = (dst: string, extra: Record<string, unknown> = {}) => ({
  type: 'unicast',
  dst,
  table: 'main',
  protocol: 'boot',
  scope: 'global',
  flags: [],
  ...extra,
})

const via = (address: string, gateway: string, dev = 'eth0') => [
  { dst: address, gateway, dev, flags: [], cache: [] },
]

export const ROUTES: Record<string, FakeRoutes> = {
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
    get: via('10.200.0.1', '10.9.0.3'),
    fib: [
      route('default', {
        gateway: '10.9.0.3',
        dev: 'eth0',
        metric: 100,
        flags: ['onlink', 'linkdown'],
        metrics: [{ mtu: 1400, rtt: 10, rto_min: 200, congestion: 'cubic' }],
      }),
    ],
    text: 'default via 10.9.0.3 dev eth0 metric 100 onlink linkdown mtu lock 1400 rtt 10ms rto_min lock 200ms congctl lock cubic \n',
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
  },
  '10.50.0.1': {
    get: [{ dst: '10.50.0.1', gateway: '10.9.0.99', dev: 'eth1', table: '10', flags: [], cache: [] }],
    fib: [route('default', { gateway: '10.9.0.99', dev: 'eth1', table: '10' })],
  },
  '10.60.0.1': {
    get: via('10.60.0.1', '10.9.0.3'),
    fib: [route('10.60.0.0/16', { nexthops: [{ gateway: '10.9.0.3' }, { gateway: '10.9.0.4' }] })],
  },
  '10.96.0.1': {
    get: [{ dst: '10.96.0.1', via: { family: 'inet6', host: 'fe80::1' }, dev: 'eth0', flags: [], cache: [] }],
    fib: [route('10.96.0.0/16', { via: { family: 'inet6', host: 'fe80::1' }, dev: 'eth0' })],
  },
  '10.97.0.1': {
    get: via('10.97.0.1', '10.9.0.3'),
    fib: [route('10.97.0.0/16', { gateway: '10.9.0.3', dev: 'eth0', protocol: 'dhcp' })],
  },
  '10.98.0.1': {
    get: via('10.98.0.1', '10.9.0.3'),
    fib: [route('10.98.0.0/16', { gateway: '10.9.0.3', dev: 'eth0', metrics: [{ ecn: null }] })],
    text: '10.98.0.0/16 via 10.9.0.3 dev eth0 features ecn \n',
  },
  '10.99.0.1': {
    get: via('10.99.0.1', '10.9.0.3'),
    fib: [route('10.99.0.0/16', { gateway: '10.9.0.3', dev: 'eth0', metrics: [{ rtt: 0 }] })],
    text: '10.99.0.0/16 via 10.9.0.3 dev eth0 rtt 0ms \n',
  },
  // the same prefix twice at metric 0 (one on a link that is down): change would replace the first of them
  '10.220.0.1': {
    get: via('10.220.0.1', '10.78.0.253', 'lan0'),
    fib: [route('10.220.0.0/16', { gateway: '10.78.0.253', dev: 'lan0' })],
    exact: [
      { dst: '10.220.0.0/16', gateway: '10.77.0.253', dev: 'lan2', flags: ['linkdown'] },
      { dst: '10.220.0.0/16', gateway: '10.78.0.253', dev: 'lan0', flags: [] },
    ],
  },
}

/** An `ip` answering from ROUTES, recording its calls; an address it does not know has no route. */
export function fakeIp(calls: string[][] = []): IpRunner {
  return async (args) => {
    calls.push([...args])
    const address = args.at(-1)!
    if (args.includes('exact')) {
      const owner = Object.values(ROUTES).find(
        (r) => (r.fib?.[0] as { dst?: string } | undefined)?.dst === address,
      )
      return JSON.stringify(owner?.exact ?? owner?.fib ?? [])
    }
    const routes = ROUTES[address]
    if (!routes) throw new IpError('Network is unreachable', true)
    if (!args.includes('fibmatch')) return JSON.stringify(routes.get)
    return args.includes('-json') ? JSON.stringify(routes.fib ?? []) : (routes.text ?? '')
  }
}
