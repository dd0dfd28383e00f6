import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runProgram } from '../../../../test/e2e/support/processes.js'
import { requirePeer } from '../../../../test/support/peers.js'

// `gslb-lb routes` (the built CLI) against a real routing table: a network namespace this test makes, with a
// connected IPv4 and IPv6 subnet and a default route. It must find the routes without quickack, print commands that
// work when typed as printed, and pass once they ran. Needs root (CI runs the e2e tier as root).

const BIN = join(__dirname, '..', '..', 'dist', 'bin.cjs')
const NS = `gslbroutes${process.pid}`
let ip: string
let dir: string
let config: string

const run = (command: string, args: string[]) => runProgram(command, args, 15_000)

async function must(args: string[]): Promise<void> {
  const result = await run(ip, args)
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`)
}

const routes = (...args: string[]) =>
  run(ip, ['netns', 'exec', NS, process.execPath, BIN, 'routes', '-c', config, ...args])

beforeAll(async () => {
  if (process.getuid?.() !== 0)
    throw new Error('this e2e test makes a network namespace: run the e2e tier as root')
  ip = requirePeer('ip', 'iproute2')
  dir = mkdtempSync(join(tmpdir(), 'gslb-routes-'))
  config = join(dir, 'node.json')
  writeFileSync(
    config,
    JSON.stringify({
      node: { name: 'lb-a1' },
      topology: { datacenters: { A: { cidrs: ['10.99.0.0/16'] } } },
      services: {
        CLUSTER: {
          listen: [{ address: '10.78.0.1', port: 104 }],
          backends: [{ address: '10.78.0.20', port: 104 }],
        },
      },
    }),
  )
  await must(['netns', 'add', NS])
  await must(['-n', NS, 'link', 'set', 'lo', 'up'])
  await must(['-n', NS, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1'])
  await must(['-n', NS, 'link', 'set', 'lan0', 'up'])
  await must(['-n', NS, 'link', 'set', 'lan1', 'up'])
  await must(['-n', NS, 'addr', 'add', '10.78.0.1/24', 'dev', 'lan0'])
  await must(['-n', NS, 'addr', 'add', '2001:db8:78::1/64', 'dev', 'lan0', 'nodad'])
  await must(['-n', NS, 'route', 'add', 'default', 'via', '10.78.0.254', 'dev', 'lan0'])
  const lockedAndTuned = [
    'mtu',
    'lock',
    '1400',
    'rtt',
    '10ms',
    'rto_min',
    '200ms',
    'congctl',
    'lock',
    'cubic',
  ]
  await must(['-n', NS, 'route', 'add', '10.99.0.0/16', 'via', '10.78.0.253', ...lockedAndTuned])
  // one prefix through two links at the same metric: `change` could replace either, so no command for it
  await must(['-n', NS, 'link', 'add', 'lan2', 'type', 'veth', 'peer', 'name', 'lan3'])
  await must(['-n', NS, 'link', 'set', 'lan2', 'up'])
  await must(['-n', NS, 'link', 'set', 'lan3', 'up'])
  await must(['-n', NS, 'addr', 'add', '10.79.0.1/24', 'dev', 'lan2'])
  await must(['-n', NS, 'route', 'add', '10.220.0.0/16', 'via', '10.78.0.253', 'dev', 'lan0'])
  await must(['-n', NS, 'route', 'append', '10.220.0.0/16', 'via', '10.79.0.253', 'dev', 'lan2'])
})

afterAll(async () => {
  if (ip) await run(ip, ['netns', 'del', NS])
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Every route of the namespace, IPv4 and IPv6, one line each as `ip route show` prints it. */
async function table(): Promise<string[]> {
  const v4 = await run(ip, ['-n', NS, 'route', 'show'])
  const v6 = await run(ip, ['-n', NS, '-6', 'route', 'show'])
  return `${v4.stdout}${v6.stdout}`
    .split('\n')
    .map((line) => line.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
}

test('routes without quickack: exit 1 and the commands to fix them; typed as printed they do, then exit 0', async () => {
  const before = await routes(
    '--to',
    '2001:db8:78::5',
    '--to',
    '10.78.0.1',
    '--to',
    '10.200.0.1',
    '--to',
    '10.220.0.1',
  )
  expect(before.stderr).toBe('')
  expect(before.code).toBe(1)
  expect(before.stdout).toMatch(
    /10\.78\.0\.20 +NO QUICKACK +10\.78\.0\.0\/24 dev lan0 +server 10\.78\.0\.20:104 of service CLUSTER/,
  )
  expect(before.stdout).toMatch(
    /10\.99\.0\.1 +NO QUICKACK +10\.99\.0\.0\/16 via 10\.78\.0\.253 dev lan0 +clients in datacenter A/,
  )
  expect(before.stdout).toMatch(
    /10\.200\.0\.1 +NO QUICKACK +default via 10\.78\.0\.254 dev lan0 +named with --to/,
  )
  expect(before.stdout).toMatch(/2001:db8:78::5 +NO QUICKACK +2001:db8:78::\/64 dev lan0 +named with --to/)
  expect(before.stdout).toMatch(/10\.78\.0\.1 +this host/)
  expect(before.stdout).toContain('5 of 6 peers are reached by routes without quickack')
  expect(before.stdout).toMatch(
    /10\.220\.0\.1 +NO QUICKACK +10\.220\.0\.0\/16 via 10\.78\.0\.253 dev lan0 +named with --to/,
  )
  expect(before.stdout).toContain(
    '(no command for 10.220.0.1: 2 routes to 10.220.0.0/16 share metric 0, and change could replace another one',
  )
  const commands = before.stdout.split('\n').filter((line) => line.startsWith('  ip '))
  expect(commands.map((c) => c.trim()).sort()).toEqual([
    'ip -6 route change 2001:db8:78::/64 dev lan0 proto kernel scope global metric 256 pref medium quickack 1',
    'ip route change 10.78.0.0/24 dev lan0 proto kernel scope link src 10.78.0.1 quickack 1',
    'ip route change 10.99.0.0/16 via 10.78.0.253 dev lan0 proto boot scope global mtu lock 1400 rtt 10ms rto_min 200ms congctl lock cubic quickack 1',
    'ip route change default via 10.78.0.254 dev lan0 proto boot scope global quickack 1',
  ])
  const routesBefore = await table()
  for (const command of commands) {
    const typed = await run(ip, ['netns', 'exec', NS, 'sh', '-c', command.trim()])
    expect(typed).toMatchObject({ code: 0, stderr: '' })
  }
  // `change` kept everything else the routes had: source address, locked MTU, RTT, metric, preference
  const routesAfter = await table()
  expect(routesAfter.map((line) => line.replace(' quickack 1', ''))).toEqual(routesBefore)
  expect(routesAfter.filter((line) => line.includes(' quickack 1'))).toHaveLength(4)

  const after = await routes('--to', '2001:db8:78::5', '--to', '10.200.0.1', '--json')
  expect(after.code).toBe(0)
  const body = JSON.parse(after.stdout)
  expect(body).toMatchObject({ node: 'lb-a1', failing: 0, notChecked: 0, namesResolvedElsewhere: [] })
  expect(body.peers.map((p: { kind: string }) => p.kind)).toEqual([
    'quickack',
    'quickack',
    'quickack',
    'quickack',
  ])
})

test('a peer with no route: exit 1, the kernel says why', async () => {
  await must(['-n', NS, 'route', 'del', 'default'])
  const result = await routes('--to', '10.200.0.1')
  expect(result.code).toBe(1)
  expect(result.stdout).toMatch(/10\.200\.0\.1 +NO ROUTE +Network is unreachable +named with --to/)
  expect(result.stdout).toContain('1 peer has no usable route from this host.')
})
