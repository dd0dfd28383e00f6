import { type ChildProcess, spawn } from 'node:child_process'
import { Resolver } from 'node:dns/promises'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.js'

export interface Unbound {
  /** `127.0.0.1:<port>` */
  readonly address: string
  readonly port: number
  /** Stops the server (SIGTERM, then SIGKILL after 2 s). */
  stop(): Promise<void>
  /** Starts it again on the same port with the same config (no-op while it runs). */
  restart(): Promise<void>
  /** Stops it and removes its directory. */
  dispose(): Promise<void>
}

/**
 * Debian's unbound as a stand-in primary DNS: foreground, loopback only, no privileges dropped, no cache, nothing
 * served but the static local zone `zone` whose records are `localData` (unbound `local-data` lines, e.g.
 * `dicom.mysite.com. 5 IN A 127.0.2.10`). Ready once it answers the first record's name (bounded: 10 s).
 */
export async function startUnbound(
  binary: string,
  zone: string,
  localData: readonly string[],
): Promise<Unbound> {
  const dir = mkdtempSync(join(tmpdir(), 'gslb-unbound-'))
  const port = await freePort('127.0.0.1', { udp: true })
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
      '  logfile: ""',
      '  pidfile: ""',
      '  username: ""',
      '  chroot: ""',
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
  const probeName = localData[0]?.split(/\s+/)[0]
  if (!probeName) throw new Error('startUnbound needs at least one local-data line')
  let child: ChildProcess | null = null
  let output = ''

  const stop = async () => {
    const running = child
    child = null
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
    running.kill('SIGTERM')
    const timer = setTimeout(() => running.kill('SIGKILL'), 2_000)
    await exited
    clearTimeout(timer)
  }

  const start = async () => {
    if (child && child.exitCode === null) return
    const running = spawn(binary, ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = running
    running.stdout?.on('data', (data) => {
      output += data
    })
    running.stderr?.on('data', (data) => {
      output += data
    })
    const probe = new Resolver({ timeout: 200, tries: 1 })
    probe.setServers([`127.0.0.1:${port}`])
    const deadline = Date.now() + 10_000
    for (;;) {
      if (running.exitCode !== null) throw new Error(`unbound exited (${running.exitCode}): ${output}`)
      try {
        await probe.resolve4(probeName)
        return
      } catch {
        if (Date.now() > deadline) {
          await stop()
          throw new Error(`unbound did not answer within 10 s: ${output}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  try {
    await start()
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    address: `127.0.0.1:${port}`,
    port,
    stop,
    restart: start,
    dispose: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
