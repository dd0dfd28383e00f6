// The bare Node ceiling for the benchmarks: a two-line pipe() relay per service. argv[2]: JSON [{ name, target, port? }].
// Sends { ready, ports } over IPC.
import { once } from 'node:events'
import { connect, createServer } from 'node:net'

const ports = {}
for (const { name, target, port = 0 } of JSON.parse(process.argv[2])) {
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const backend = connect({ host: '127.0.0.1', port: target, allowHalfOpen: true })
    client.pipe(backend).pipe(client)
    client.on('error', () => backend.destroy())
    backend.on('error', () => client.destroy())
  }).listen({ host: '127.0.0.1', port, backlog: 4096 })
  await once(server, 'listening')
  ports[name] = server.address().port
}
process.send({ ready: true, ports })
