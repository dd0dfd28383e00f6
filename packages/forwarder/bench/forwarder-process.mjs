// Runs the BUILT forwarder (bare createForwarder) in its own process for the benchmarks. argv[2]: JSON array of
// services. Sends { ready, ports } over IPC; stops on 'stop'. No forced GC: it is measured as it runs.
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
  if (message === 'stop') {
    await forwarder.close({ deadlineMs: 0 })
    process.exit(0)
  }
})
