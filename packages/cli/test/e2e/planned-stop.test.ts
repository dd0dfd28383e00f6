import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requirePeer } from '../../../../test/support/peers.js'
import { waitFor } from '../../../../test/support/wait.js'

// A planned stop on a real host: `gslb-lb run` (the built CLI) in a network namespace this test makes, holding a VIP
// on an interface of its own, as keepalived would leave it. SIGTERM → GET /check says 503 "stopping" while the service
// still accepts → the test removes the VIP (what keepalived does on FAULT) → the node sees it go from its own
// interface list, closes, drains and exits 0, without a warning. Needs root (CI runs the e2e tier as root).

const BIN = join(__dirname, '..', '..', 'dist', 'bin.cjs')
const NS = `gslbstop${process.pid}`
const VIP = '10.77.0.50'
let ip: string
let curl: string
let dir: string
let node: ChildProcess | undefined
let log = ''

const run = (command: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })

async function must(command: string, args: string[]): Promise<void> {
  const result = await run(command, args)
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr.trim()}`)
}

/** GET /check?vip= inside the namespace: the HTTP status and body, as keepalived's curl sees them. */
async function check(): Promise<{ status: number; body: string }> {
  const result = await run(ip, [
    'netns',
    'exec',
    NS,
    curl,
    '-sS',
    '--max-time',
    '0.5',
    '-w',
    '\n%{http_code}',
    `http://127.0.0.1:9180/check?vip=${VIP}`,
  ])
  const lines = result.stdout.trimEnd().split('\n')
  return { status: Number(lines.at(-1)), body: lines.slice(0, -1).join('\n') }
}

/** Whether the service accepts a TCP connection on the VIP (from inside the namespace). */
async function accepts(): Promise<boolean> {
  const result = await run(ip, ['netns', 'exec', NS, 'bash', '-c', `exec 3<>/dev/tcp/${VIP}/1104`])
  return result.code === 0
}

beforeAll(async () => {
  if (process.getuid?.() !== 0)
    throw new Error('this e2e test makes a network namespace: run the e2e tier as root')
  ip = requirePeer('ip', 'iproute2')
  curl = requirePeer('curl', 'curl')
  dir = mkdtempSync(join(tmpdir(), 'gslb-planned-stop-'))
  await must(ip, ['netns', 'add', NS])
  await must(ip, ['-n', NS, 'link', 'set', 'lo', 'up'])
  await must(ip, ['-n', NS, 'link', 'add', 'vip0', 'type', 'veth', 'peer', 'name', 'vip1'])
  await must(ip, ['-n', NS, 'link', 'set', 'vip0', 'up'])
  await must(ip, ['-n', NS, 'link', 'set', 'vip1', 'up']) // with a carrier: libuv lists only running interfaces
  await must(ip, ['-n', NS, 'addr', 'add', '10.77.0.1/24', 'dev', 'vip0'])
  await must(ip, ['-n', NS, 'addr', 'add', `${VIP}/24`, 'dev', 'vip0'])
})

afterAll(async () => {
  if (node && node.exitCode === null) node.kill('SIGKILL')
  await run(ip, ['netns', 'del', NS])
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('SIGTERM: unfit and still accepting until the VIP leaves, then close, drain and exit 0', async () => {
  const config = join(dir, 'node.json')
  writeFileSync(
    config,
    JSON.stringify({
      node: { name: 'stop-e2e', stopGrace: '20s', drainTimeout: '2s' },
      services: {
        DICOM_DNS_PROXY: {
          listen: [{ address: VIP, port: 1104 }],
          backends: [{ address: '10.77.0.1', port: 1105 }],
        },
      },
      logging: { level: 'info', format: 'json' },
    }),
  )
  const child = spawn(ip, ['netns', 'exec', NS, process.execPath, BIN, 'run', '-c', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  node = child
  child.stdout!.on('data', (chunk) => {
    log += String(chunk)
  })
  child.stderr!.on('data', (chunk) => {
    log += String(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  await waitFor(async () => (await check()).status === 200, {
    what: 'the node is fit to hold the VIP',
    timeoutMs: 20_000,
  })
  await waitFor(() => log.includes('VIP taken'), {
    what: 'the node saw the VIP on its interface',
    timeoutMs: 5_000,
  })

  child.kill('SIGTERM')
  await waitFor(async () => (await check()).status === 503, {
    what: 'the check says stopping',
    timeoutMs: 5_000,
  })
  expect((await check()).body).toContain('stopping: a planned stop is handing the VIP to the peer')
  expect(await accepts()).toBe(true) // the VIP is still here: new associations are still taken
  await new Promise((resolve) => setTimeout(resolve, 500))
  expect(child.exitCode).toBeNull()

  await must(ip, ['-n', NS, 'addr', 'del', `${VIP}/24`, 'dev', 'vip0']) // keepalived moved the VIP away
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve('no exit within 10 s'), 10_000)
  })
  expect(await Promise.race([exited, timeout])).toBe(0)
  clearTimeout(timer)
  const lines = log
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number; msg: string })
  const messages = lines.map((line) => line.msg)
  const order = [
    'stopping: reporting unfit; waiting for the VIPs to move',
    'VIP released: this node no longer holds it',
    'VIPs left this host',
    'draining connections',
    'node stopped',
  ].map((message) => messages.indexOf(message))
  expect(order.every((index) => index >= 0)).toBe(true)
  expect([...order].sort((a, b) => a - b)).toEqual(order)
  // The one association the test opened found nothing listening behind the service: that warning, and no other.
  const warnings = new Set(lines.filter((line) => line.level >= 40).map((line) => line.msg))
  warnings.delete('backend connect failed')
  expect([...warnings]).toEqual([])
})
