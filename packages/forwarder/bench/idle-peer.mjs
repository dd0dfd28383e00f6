// Idle-connection helper. `server <port>`: accepts and holds connections, reports the count on 'count'.
// `clients <port> <n>`: opens n connections (bounded batches), reports { opened } when done, holds them.
import { connect, createServer } from 'node:net'

const [mode, portText, countText] = process.argv.slice(2)
const port = Number(portText)

if (mode === 'server') {
  let held = 0
  const server = createServer((socket) => {
    held++
    socket.on('error', () => {})
    socket.on('close', () => held--)
  })
  server.listen({ host: '127.0.0.1', port, backlog: 4096 }, () =>
    process.send({ port: server.address().port }),
  )
  process.on('message', (message) => {
    if (message === 'count') process.send({ held })
  })
} else {
  const total = Number(countText)
  const sockets = []
  let failed = 0
  const one = () =>
    new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port })
      socket.on('error', () => {
        failed++
        resolve()
      })
      socket.once('connect', () => {
        sockets.push(socket)
        resolve()
      })
    })
  for (let opened = 0; opened < total; opened += 250) {
    await Promise.all(Array.from({ length: Math.min(250, total - opened) }, one))
  }
  process.send({ opened: sockets.length, failed })
  process.on('message', (message) => {
    if (message === 'close') {
      for (const socket of sockets) socket.destroy()
      process.exit(0)
    }
  })
}
