import { IpError, type IpRunner, parseRoutes } from '../src/routes/ip.js'
import { routeVerdict } from '../src/routes/verdict.js'
import { fakeIp } from './ip-fake.js'

test('a route carrying quickack 1', async () => {
  expect(await routeVerdict('10.8.1.1', fakeIp())).toMatchObject({
    kind: 'quickack',
    route: { gateway: '10.9.0.2' },
  })
})

test('a connected route without it: the command keeps proto, scope and src, and says it is connected', async () => {
  expect(await routeVerdict('10.9.0.5', fakeIp())).toMatchObject({
    kind: 'missing',
    prefix: '10.9.0.0/24',
    connected: true,
    change: 'ip route change 10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.1 quickack 1',
  })
})

test('the command keeps metric, onlink, locks, rtt in ms, rto_min (never "lock" on input) and congctl', async () => {
  expect(await routeVerdict('10.200.0.1', fakeIp())).toMatchObject({
    kind: 'missing',
    connected: false,
    change:
      'ip route change default via 10.9.0.3 dev eth0 proto boot scope global metric 100 onlink mtu lock 1400 rtt 10ms rto_min 200ms congctl lock cubic quickack 1',
  })
})

test('a word the shell would read otherwise is quoted', async () => {
  expect(await routeVerdict('10.80.0.1', fakeIp())).toMatchObject({
    change: "ip route change 10.80.0.0/16 dev 'eth$(reboot)' proto boot scope global quickack 1",
  })
})

test('IPv6 asks with -6 and keeps pref; an IPv4-mapped peer, in any spelling, is asked over IPv4', async () => {
  const calls: string[][] = []
  expect(await routeVerdict('2001:db8::7', fakeIp(calls))).toMatchObject({
    kind: 'missing',
    change:
      'ip -6 route change 2001:db8:5::/48 via 2001:db8::9 dev eth0 proto boot scope global metric 1024 pref high quickack 1',
  })
  expect(calls).toEqual([
    ['-6', '-json', 'route', 'get', '2001:db8::7'],
    ['-6', '-d', '-json', 'route', 'get', 'fibmatch', '2001:db8::7'],
    ['-6', '-json', 'route', 'show', 'table', 'main', 'exact', '2001:db8:5::/48'],
  ])
  for (const mapped of ['::ffff:10.8.1.1', '::ffff:a08:101']) {
    const asked: string[][] = []
    expect(await routeVerdict(mapped, fakeIp(asked))).toMatchObject({ kind: 'quickack' })
    expect(asked).toEqual([['-4', '-json', 'route', 'get', '10.8.1.1']])
  }
})

test('this host: nothing to check', async () => {
  expect(await routeVerdict('10.9.0.1', fakeIp())).toMatchObject({ kind: 'local' })
})

test.each([
  ['10.50.0.1', 'it is in routing table 10 (policy routing)'],
  ['10.60.0.1', 'it has several next hops'],
  ['10.96.0.1', 'attributes this command does not print back (via)'],
  ['10.97.0.1', "dhcp wrote it and would write it again: set quickack 1 where dhcp's routes are configured"],
  ['10.98.0.1', 'the metric ecn null'],
  ['10.99.0.1', 'the metric rtt 0'],
  ['10.220.0.1', '2 routes to 10.220.0.0/16 share metric 0, and change could replace another one'],
])(
  'no command that would change %s’s route in another way, or another route: says why',
  async (address, why) => {
    const verdict = await routeVerdict(address, fakeIp())
    expect(verdict).toMatchObject({ kind: 'missing', noChange: expect.stringContaining(why) })
    expect(verdict).not.toHaveProperty('change')
  },
)

test('no route: the kernel says why', async () => {
  expect(await routeVerdict('192.0.2.77', fakeIp())).toEqual({
    kind: 'unreachable',
    error: 'Network is unreachable',
  })
})

test('a failing ip (missing, too old for -json, timing out) is thrown, at any of its calls', async () => {
  const broken: IpRunner = async () => {
    throw new IpError('ip -4 -json route get 10.9.0.5 failed: Option "-json" is unknown')
  }
  await expect(routeVerdict('10.9.0.5', broken)).rejects.toThrow('Option "-json" is unknown')
  const fibBroken: IpRunner = async (args) => {
    if (args.includes('fibmatch')) throw new IpError('ip route get fibmatch did not answer within 3000 ms')
    return fakeIp()(args)
  }
  await expect(routeVerdict('10.9.0.5', fibBroken)).rejects.toThrow('did not answer within 3000 ms')
})

test('output that is not what iproute2 prints is an error that quotes it', () => {
  expect(() => parseRoutes('Usage: ip route')).toThrow(/not JSON: "Usage: ip route"/)
  for (const odd of [
    '{"dst":"x"}',
    '[{"gateway":"x"}]',
    '[{"dst":"-force"}]',
    '[{"dst":"local"}]',
    '[{"dst":"10.0.0.0/8","dev":7}]',
    '[{"dst":"10.0.0.0/8","metric":"1 quickack 0"}]',
    '[{"dst":"10.0.0.0/8","metric":-1}]',
    '[{"dst":"x","metrics":{"mtu":1}}]',
    '[{"dst":"default","metrics":[null]}]',
    '[{"dst":"default","flags":"onlink"}]',
  ])
    expect(() => parseRoutes(odd)).toThrow(/unexpected shape/)
  expect(parseRoutes('[]')).toEqual([])
})

test('a hostile metric name never reaches a regular expression or the command', async () => {
  const hostile: IpRunner = async (args) => {
    if (!args.includes('fibmatch')) return JSON.stringify([{ dst: '10.9.0.5', dev: 'eth0' }])
    if (!args.includes('-json')) return `10.9.0.0/24 dev eth0 ${'a'.repeat(40)}`
    return JSON.stringify([{ dst: '10.9.0.0/24', dev: 'eth0', metrics: [{ '(a+)+b': 1 }] }])
  }
  expect(await routeVerdict('10.9.0.5', hostile)).toMatchObject({
    kind: 'missing',
    noChange: expect.stringContaining('the metric (a+)+b 1'),
  })
})
