// Runs the BUILT forwarder in its own process for the benchmarks. argv[2]: JSON array of services.
// Talks to the parent over IPC: sends { ready, ports }, answers 'rss' with the RSS after a GC.
import { createForwarder } from '../dist/index.js'

const services = JSON.parse(process.argv[2])
const forwarder = createForwarder({ services })
await forwarder.start()
process.send({
  ready: true,
  ports: Object.fromEntries(
    services.map((service) => [service.name, forwarder.addresses(service.name)[0].port]),
  ),
})
process.on('message', async (message) => {
  if (message === 'rss') {
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.()
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    if (process.env.BENCH_DEBUG)
      console.error(
        process.memoryUsage(),
        (await import('node:v8'))
          .getHeapSpaceStatistics()
          .map((s) => [s.space_name, s.space_size, s.space_used_size, s.physical_space_size]),
      )
    process.send({
      rss: process.memoryUsage().rss,
      active: forwarder.stats().reduce((n, s) => n + s.active, 0),
    })
  } else if (message === 'stop') {
    await forwarder.stop()
    process.exit(0)
  }
})
