import type dgram from 'node:dgram'
import net from 'node:net'
import { optionsError } from '../errors.js'
import {
  DEFAULT_MAX_TCP_CONNECTIONS,
  DEFAULT_MAX_TCP_MESSAGE_SIZE,
  DEFAULT_TCP_IDLE_TIMEOUT_MS,
  DEFAULT_TCP_MAX_CONNECTION_MS,
  DEFAULT_TCP_QUERY_TIMEOUT_MS,
  DEFAULT_UDP_RECEIVE_BUFFER_SIZE,
  EPHEMERAL_PORT_ATTEMPTS,
  MAX_TCP_MESSAGE_SIZE,
} from './constants.js'
import { bindTcp, type TcpLimits, type TcpServer } from './tcp.js'
import {
  createStats,
  type DnsHandler,
  type DnsListener,
  type DnsListenOptions,
  type ListenerContext,
} from './types.js'
import { bindUdp } from './udp.js'

const LISTEN_KEYS = [
  'address',
  'port',
  'udp',
  'tcp',
  'maxTcpConnections',
  'tcpIdleTimeoutMs',
  'tcpQueryTimeoutMs',
  'tcpMaxConnectionMs',
  'udpReceiveBufferSize',
  'maxTcpMessageSize',
]

/** Listener options checked, with their defaults. */
export interface ResolvedListenOptions {
  address: string
  port: number
  family: 4 | 6
  udp: boolean
  tcp: boolean
  limits: TcpLimits
  udpReceiveBufferSize: number
}

/**
 * Checks one listener's options (a `listen` entry of the engine options), with the path of each option at fault
 * (`listen[1].port`). Throws GSLB_ENGINE_OPTIONS_INVALID.
 */
export function resolveListenOptions(options: unknown, path: string): ResolvedListenOptions {
  const at = (option: string) => (path === '' ? option : `${path}.${option}`)
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw optionsError(path === '' ? 'options' : path, 'must be an object { address, port, udp?, tcp?, ... }')
  const raw = options as Record<string, unknown>
  for (const key of Object.keys(raw)) {
    if (!LISTEN_KEYS.includes(key) && key !== 'signal' && key !== 'onHandlerError')
      throw optionsError(at(key), `unknown option (known: ${LISTEN_KEYS.join(', ')})`)
  }
  const integer = (option: string, min: number, max: number, fallback: number): number => {
    const value = raw[option]
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw optionsError(at(option), `must be an integer from ${min} to ${max}, got ${String(value)}`)
    }
    return value
  }
  const boolean = (option: string): boolean => {
    const value = raw[option]
    if (value === undefined) return true
    if (typeof value !== 'boolean') throw optionsError(at(option), `must be a boolean, got ${String(value)}`)
    return value
  }
  const { address } = raw
  const ipVersion = typeof address === 'string' ? net.isIP(address) : 0
  if (ipVersion === 0)
    throw optionsError(at('address'), `must be an IPv4 or IPv6 address, got ${String(address)}`)
  if (raw.port === undefined) throw optionsError(at('port'), 'is required (0 picks a free port)')
  const port = integer('port', 0, 65535, 0)
  const udp = boolean('udp')
  const tcp = boolean('tcp')
  if (!udp && !tcp) throw optionsError(at('udp'), 'and tcp are both false: nothing to listen on')
  return {
    address: address as string,
    port,
    family: ipVersion === 6 ? 6 : 4,
    udp,
    tcp,
    limits: {
      maxConnections: integer('maxTcpConnections', 1, 1_000_000, DEFAULT_MAX_TCP_CONNECTIONS),
      idleTimeoutMs: integer('tcpIdleTimeoutMs', 1, 3_600_000, DEFAULT_TCP_IDLE_TIMEOUT_MS),
      queryTimeoutMs: integer('tcpQueryTimeoutMs', 1, 3_600_000, DEFAULT_TCP_QUERY_TIMEOUT_MS),
      maxConnectionMs: integer('tcpMaxConnectionMs', 1, 86_400_000, DEFAULT_TCP_MAX_CONNECTION_MS),
      maxMessageSize: integer('maxTcpMessageSize', 12, MAX_TCP_MESSAGE_SIZE, DEFAULT_MAX_TCP_MESSAGE_SIZE),
    },
    udpReceiveBufferSize: integer('udpReceiveBufferSize', 4096, 1 << 30, DEFAULT_UDP_RECEIVE_BUFFER_SIZE),
  }
}

/**
 * Serves DNS over UDP and TCP on one address and port. Each query is handed to `handler` synchronously; its result
 * is sent back (UDP datagram or length-prefixed TCP frame). Call several times for several addresses.
 */
export async function listenDns(handler: DnsHandler, options: DnsListenOptions): Promise<DnsListener> {
  if (typeof handler !== 'function') throw optionsError('handler', 'must be a function')
  const resolved = resolveListenOptions(options, '')
  const { signal } = options
  if (options.onHandlerError !== undefined && typeof options.onHandlerError !== 'function') {
    throw optionsError('onHandlerError', 'must be a function')
  }
  signal?.throwIfAborted()

  const ctx: ListenerContext = {
    handler,
    stats: createStats(),
    family: resolved.family,
    udpReceiveBufferSize: resolved.udpReceiveBufferSize,
    onHandlerError: options.onHandlerError,
  }
  const { address } = resolved
  const { udp, tcp, actualPort } = await bindBoth(
    ctx,
    address,
    resolved.port,
    resolved.udp,
    resolved.tcp,
    resolved.limits,
  )

  let closing: Promise<void> | undefined
  const close = (deadlineMs = 0): Promise<void> => {
    closing ??= (async () => {
      signal?.removeEventListener('abort', onAbort)
      await Promise.all([
        udp === undefined ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
        tcp?.close(deadlineMs),
      ])
    })()
    return closing
  }
  const destroy = (): void => {
    void close(0)
    tcp?.destroy()
  }
  const onAbort = (): void => {
    void close()
  }
  if (signal !== undefined) {
    if (signal.aborted) {
      await close()
      throw signal.reason
    }
    signal.addEventListener('abort', onAbort, { once: true })
  }
  return { address, port: actualPort, stats: ctx.stats, close, destroy }
}

async function bindBoth(
  ctx: ListenerContext,
  address: string,
  port: number,
  useUdp: boolean,
  useTcp: boolean,
  limits: TcpLimits,
): Promise<{ udp: dgram.Socket | undefined; tcp: TcpServer | undefined; actualPort: number }> {
  const attempts = port === 0 && useUdp && useTcp ? EPHEMERAL_PORT_ATTEMPTS : 1
  for (let attempt = 1; ; attempt++) {
    let tcp: TcpServer | undefined
    try {
      tcp = useTcp ? await bindTcp(ctx, address, port, limits) : undefined
      const tcpPort = tcp === undefined ? port : (tcp.server.address() as net.AddressInfo).port
      const udp = useUdp ? await bindUdp(ctx, address, tcpPort) : undefined
      const actualPort = udp === undefined ? tcpPort : udp.address().port
      return { udp, tcp, actualPort }
    } catch (error) {
      await tcp?.close(0)
      // Port 0: the kernel's free TCP port may be taken for UDP; try another one a few times.
      if (attempt >= attempts || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
}
