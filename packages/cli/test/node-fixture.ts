import { connect, createServer, type Server, type Socket } from 'node:net'
import { createVerificationServer, type VerificationServer } from '@gslb/dicom'
import { freePort } from '../../../test/support/ports.js'
import { waitFor } from '../../../test/support/wait.js'
import type { Config } from '../src/config/types.js'
import { validateConfig } from '../src/config/validate.js'
import { createLogger } from '../src/log.js'
import { createNode, type GslbNode } from '../src/node/node.js'
import type { Json } from './helpers.js'

export const NAME = 'dicom.test.lan'

/** A TCP echo server: what an established, long-lived connection talks to. */
export async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket))
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  return { server, port: (server.address() as { port: number }).port }
}

export interface Fixture {
  pacs: VerificationServer
  pacsPort: number
  clusterPort: number
  tcpEcho: { server: Server; port: number }
  raw: (edit?: (config: Json) => void) => Json
}

/**
 * One site on loopback: a PACS, a cluster service in front of it (the GSLB member), the engine answering NAME with
 * that member, the DNS-proxy service forwarding to NAME, and a plain TCP service for long-lived connections.
 */
export async function createFixture(): Promise<Fixture> {
  const pacs = createVerificationServer({ aeTitle: 'PACS_TEST', host: '127.0.0.1', port: 0 })
  await pacs.start()
  const pacsPort = pacs.address()!.port
  const clusterPort = await freePort()
  const tcpEcho = await echoServer()
  const raw = (edit?: (config: Json) => void) => {
    const config: Json = {
      node: { name: 'test-node', site: 'A', drainTimeout: '1s' },
      topology: { datacenters: { A: { cidrs: ['127.0.0.0/8'] } } },
      monitors: {
        echo: { type: 'dicom', interval: '200ms', timeout: '150ms', rise: 1, fall: 2 },
        tcp: { type: 'tcp', interval: '200ms', timeout: '150ms', rise: 1, fall: 2 },
      },
      gslb: {
        listen: [{ address: '127.0.0.1', port: 0 }],
        zones: [{ name: NAME, nameservers: [{ name: `ns1.${NAME}`, addresses: ['127.0.0.1'] }] }],
        pools: {
          dicom: {
            method: 'failover',
            monitor: 'echo',
            port: clusterPort,
            members: [{ name: 'siteA', address: '127.0.0.1', datacenter: 'A' }],
          },
        },
        names: [{ name: NAME, pool: 'dicom', ttl: 1 }],
      },
      resolvers: { local: { nameservers: ['engine'], interval: '200ms', timeout: '200ms' } },
      services: {
        PROXY: {
          listen: [{ address: '127.0.0.1', port: 0 }],
          backends: [{ name: NAME, port: clusterPort, resolver: 'local' }],
          limits: { connectTimeout: '500ms' },
        },
        CLUSTER: {
          listen: [{ address: '127.0.0.1', port: clusterPort }],
          backends: [{ address: '127.0.0.1', port: pacsPort }],
          monitor: 'echo',
        },
        PLAIN: {
          listen: [{ address: '127.0.0.1', port: 0 }],
          backends: [{ address: '127.0.0.1', port: tcpEcho.port }],
          monitor: 'tcp',
        },
      },
      admin: { listen: { address: '127.0.0.1', port: 0 } },
      logging: { level: 'silent' },
    }
    edit?.(config)
    return config
  }
  return { pacs, pacsPort, clusterPort, tcpEcho, raw }
}

export async function startNode(config: Config, configFile?: string): Promise<GslbNode> {
  const node = createNode({
    config,
    ...(configFile ? { configFile } : {}),
    logger: createLogger({ level: 'silent' }),
  })
  await node.start()
  await waitFor(
    () =>
      node.check().healthy &&
      node.status().pools.every((pool) => pool.members.every((m) => m.state === 'up')),
    { what: 'the node is healthy and every pool member is up' },
  )
  return node
}

export async function closeFixture(fixture: Fixture): Promise<void> {
  await fixture.pacs.close()
  await new Promise<void>((resolve) => fixture.tcpEcho.server.close(() => resolve()))
}

export const validate = (raw: Record<string, unknown>) => validateConfig(raw)

/** A TCP connection to a loopback port (a VIP of the node under test), once connected. */
export async function openTo(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return socket
}

/** Writes `text` and resolves with the first chunk that comes back (the echo server answers in one chunk). */
export async function roundTrip(socket: Socket, text: string): Promise<string> {
  const reply = new Promise<string>((resolve) => socket.once('data', (data) => resolve(String(data))))
  socket.write(text)
  return reply
}
