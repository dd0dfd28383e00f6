import { type ChildProcess, spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createResolver } from '../../../src/index.js'

export interface Unbound {
  readonly address: string
  readonly port: number
  /** Stops the server (SIGTERM, then SIGKILL after 2 s). */
  stop(): Promise<void>
  /** Starts it again on the same port with the same config (no-op while it runs). */
  restart(): Promise<void>
  /** Removes the temp directory; stops first if needed. */
  dispose(): Promise<void>
}

/** A loopback port free for both UDP and TCP right now. */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()))
    const { port } = udp.address()
    const tcp = net.createServer()
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false))
      tcp.listen(port, '127.0.0.1', () => resolve(true))
    })
    await new Promise<void>((resolve) => udp.close(() => resolve()))
    if (ok) await new Promise<void>((resolve) => tcp.close(() => resolve()))
    if (ok) return port
  }
  throw new Error('no free loopback port for unbound')
}

/**
 * Debian's unbound as the primary DNS: foreground, loopback only, no privileges dropped, no recursion beyond
 * the static local zone `zone` whose records are `localData` (unbound `local-data` lines).
 */
export async function startUnbound(
  binary: string,
  zone: string,
  localData: readonly string[],
): Promise<Unbound> {
  const dir = mkdtempSync(join(tmpdir(), 'gslb-resolver-unbound-'))
  const port = await freePort()
  const config = join(dir, 'unbound.conf')
  writeFileSync(
    config,
    [
      'server:',
      '  verbosity: 1',
      `  interface: 127.0.0.1@${port}`,
      `  port: ${port}`,
      '  do-ip6: no',
      '  do-daemonize: no',
      '  use-syslog: no',
      `  logfile: ""`,
      `  pidfile: ""`,
      `  username: ""`,
      `  chroot: ""`,
      `  directory: "${dir}"`,
      '  num-threads: 1',
      '  so-reuseport: no',
      '  access-control: 127.0.0.0/8 allow',
      '  module-config: "iterator"',
      '  cache-max-ttl: 0',
      '  rrset-roundrobin: no',
      '  msg-cache-size: 1m',
      '  rrset-cache-size: 1m',
      `  local-zone: "${zone}." static`,
      ...localData.map((line) => `  local-data: "${line}"`),
      'remote-control:',
      '  control-enable: no',
      '',
    ].join('\n'),
  )
  let child: ChildProcess | null = null
  let output = ''

  const up = async () => {
    if (child && child.exitCode === null) return
    child = spawn(binary, ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout?.on('data', (d) => (output += d))
    child.stderr?.on('data', (d) => (output += d))
    // Ready when it answers a query for the zone (bounded).
    const probe = createResolver({ nameservers: [`127.0.0.1:${port}`], timeout: 200, interval: 60_000 })
    const deadline = Date.now() + 10_000
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`unbound exited (${child.exitCode}): ${output}`)
        const name = localData[0]!.split(/\s+/)[0]!
        probe.track(name)
        await probe.start()
        const status = probe.status(name)
        if (status?.state === 'online') return
        await probe.stop()
        if (Date.now() > deadline) throw new Error(`unbound did not answer within 10 s: ${output}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    } finally {
      await probe.stop()
    }
  }

  const stop = async () => {
    const running = child
    child = null
    if (!running || running.exitCode !== null) return
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
    running.kill('SIGTERM')
    const timer = setTimeout(() => running.kill('SIGKILL'), 2_000)
    await exited
    clearTimeout(timer)
  }

  await up()
  return {
    address: `127.0.0.1:${port}`,
    port,
    stop,
    restart: up,
    dispose: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
