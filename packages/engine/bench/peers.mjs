// What the engine's benchmarks share: finding Debian's peer binaries, free ports, the monitored "sites", child
// processes whose stderr is kept for failure messages, and gdnsd configured as the failover-equivalent peer.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { freePort as freeBenchPort } from '../../../scripts/bench-ports.mjs'

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The path of a Debian peer's binary, or an error naming the package to install. */
export function which(binary, pkg) {
  for (const candidate of [`/usr/sbin/${binary}`, `/usr/bin/${binary}`]) {
    try {
      execFileSync('test', ['-x', candidate])
      return candidate
    } catch {
      // next
    }
  }
  throw new Error(`${binary} is not installed: apt-get install -y ${pkg}`)
}

/** A port free for both UDP and TCP on 127.0.0.1. */
export const freePort = () => freeBenchPort({ udp: true })

/** The monitored "sites": a TCP listener on 127.0.1.1 and 127.0.1.2, same port, accepting and closing. */
export async function startSites() {
  const servers = []
  let port = 0
  for (const host of ['127.0.1.1', '127.0.1.2']) {
    const server = net.createServer((socket) => socket.destroy())
    await new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, resolve)
    })
    port = server.address().port
    servers.push(server)
  }
  return { port, close: () => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))) }
}

/** A child process; its last 4 KB of stderr stay readable as `child.stderrText()`. */
export function launch(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000)
  })
  child.stdout.on('data', () => {})
  child.stderrText = () => stderr
  return child
}

export function zoneFile(extra) {
  return [
    '$TTL 300',
    '@ IN SOA ns1.example.org. hostmaster.example.org. ( 1 3600 600 86400 60 )',
    '@ IN NS ns1.example.org.',
    'ns1 IN A 192.0.2.53',
    extra,
    '',
  ].join('\n')
}

/** gdnsd 3 with metafo over the two sites (tcp_connect checks): the failover-equivalent peer of a topology pool. */
export async function startGdnsd(dir, monitorPort) {
  const gdnsd = which('gdnsd', 'gdnsd')
  const port = await freePort()
  const config = join(dir, 'gdnsd')
  mkdirSync(join(config, 'zones'), { recursive: true })
  writeFileSync(
    join(config, 'config'),
    `options => {
  listen => [ 127.0.0.1 ]
  dns_port => ${port}
  run_dir => ${join(config, 'run')}
  state_dir => ${join(config, 'state')}
  udp_threads => 1
  tcp_threads => 1
}
service_types => {
  pacs_tcp => { plugin => tcp_connect, port => ${monitorPort}, interval => 2, timeout => 1, up_thresh => 1, ok_thresh => 1, down_thresh => 2 }
}
plugins => { metafo => { resources => { pacs => {
  service_types => [ pacs_tcp ]
  datacenters => [ site-a, site-b ]
  dcmap => { site-a => 127.0.1.1, site-b => 127.0.1.2 }
} } } }
`,
  )
  writeFileSync(join(config, 'zones', 'example.org'), zoneFile('dicom 5 IN DYNA metafo!pacs'))
  const child = launch(gdnsd, ['-c', config, 'start'])
  return { label: 'gdnsd 3.8 (metafo, 1 UDP + 1 TCP thread)', port, child }
}
