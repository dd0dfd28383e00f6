// The built @gslb/engine as a standalone DNS server for bench/dnsperf.mjs: one failover pool of two loopback members
// with tcp monitors (the same shape as the gdnsd metafo and PowerDNS ifportup peers).
// Usage: node engine-server.mjs <dnsPort> <monitorPort> [workers]   (prints "ready" once both members are up)
// With workers > 1, node:cluster workers share the port (the listener binds non-exclusively).
import cluster from 'node:cluster'
import { createHealthChecker } from '@gslb/health'
import { createEngine } from '../dist/index.js'

const [dnsPort, monitorPort, workers = 1] = process.argv.slice(2).map(Number)
if (workers > 1 && cluster.isPrimary) {
  const forked = Array.from({ length: workers }, () => cluster.fork())
  let ready = 0
  for (const worker of forked) {
    worker.on('message', (message) => {
      if (message === 'ready' && ++ready === workers) process.stdout.write('ready\n')
    })
  }
  process.on('SIGTERM', () => {
    for (const worker of forked) worker.kill('SIGTERM')
    process.exit(0)
  })
} else {
  await serve()
}

async function serve() {
  const health = createHealthChecker({ defaults: { intervalMs: 1000, timeoutMs: 500, rise: 1, fall: 2 } })
  const engine = createEngine({
    health,
    config: {
      zones: {
        'example.org': {
          ns: [{ name: 'ns1.example.org', addresses: ['192.0.2.53'] }],
          soa: { rname: 'hostmaster.example.org', serial: 1 },
        },
      },
      pools: {
        pacs: {
          method: 'failover',
          members: [
            { name: 'site-a', address: '127.0.1.1' },
            { name: 'site-b', address: '127.0.1.2' },
          ],
          monitors: [{ port: monitorPort, monitor: { type: 'tcp' } }],
        },
      },
      names: { 'dicom.example.org': { pool: 'pacs', ttl: 5 } },
    },
    listen: [{ address: '127.0.0.1', port: dnsPort }],
  })
  await health.start()
  await engine.start()
  const deadline = Date.now() + 10_000
  while (engine.members().some((m) => m.effective !== 'up') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (cluster.isWorker) process.send('ready')
  else process.stdout.write('ready\n')
  const stop = async () => {
    await engine.close()
    await health.close()
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
