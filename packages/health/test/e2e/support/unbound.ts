import { type ChildProcess, spawn } from 'node:child_process'
import { Resolver } from 'node:dns/promises'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closedPort } from '../../support/servers.js'

export interface Unbound {
  readonly port: number
  /** Stops the server (SIGTERM, SIGKILL after 2 s) and removes its directory. */
  dispose(): Promise<void>
}

/**
 * Debian's unbound in the foreground on 127.0.0.1, serving one static local zone (`local-data` lines) and
 * nothing else. Ready once it answers the first record's name.
 */
export async function startUnbound(
  binary: string,
  zone: string,
  localData: readonly string[],
): Promise<Unbound> {
  const dir = mkdtempSync(join(tmpdir(), 'gslb-health-unbound-'))
  const port = await closedPort()
  const config = join(dir, 'unbound.conf')
  writeFileSync(
    config,
    [
      'server:',
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
      '  access-control: 127.0.0.0/8 allow',
      '  module-config: "iterator"',
      `  local-zone: "${zone}." static`,
      ...localData.map((line) => `  local-data: "${line}"`),
      'remote-control:',
      '  control-enable: no',
      '',
    ].join('\n'),
  )
  let output = ''
  const child: ChildProcess = spawn(binary, ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (data) => {
    output += data
  })
  child.stderr?.on('data', (data) => {
    output += data
  })
  const dispose = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const probe = new Resolver({ timeout: 200, tries: 1 })
  probe.setServers([`127.0.0.1:${port}`])
  const name = localData[0]!.split(/\s+/)[0]!
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      await dispose()
      throw new Error(`unbound exited (${child.exitCode}): ${output}`)
    }
    try {
      await probe.resolve4(name)
      return { port, dispose }
    } catch {
      if (attempt >= 50) {
        await dispose()
        throw new Error(`unbound did not answer within 10 s: ${output}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}
