import type dgram from 'node:dgram'
import net from 'node:net'
import { EngineError, EngineErrorCode } from '../errors.js'
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

function invalid(option: string, message: string): EngineError {
  return new EngineError(EngineErrorCode.INVALID_ARGUMENT, `listenDns: option '${option}' ${message}`)
}

function integerOption(value: unknown, option: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, `must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

function booleanOption(value: unknown, option: string): boolean {
  if (value === undefined) return true
  if (typeof value !== 'boolean') throw invalid(option, `must be a boolean, got ${String(value)}`)
  return value
}

/**
 * Serves DNS over UDP and TCP on one address and port. Each query is handed to `handler` synchronously; its result
 * is sent back (UDP datagram or length-prefixed TCP frame). Call several times for several addresses.
 */
export async function listenDns(handler: DnsHandler, options: DnsListenOptions): Promise<DnsListener> {
  if (typeof handler !== 'function') throw invalid('handler', 'must be a function')
  if (options === null || typeof options !== 'object') throw invalid('options', 'must be an object')
  const { address, signal } = options
  const ipVersion = typeof address === 'string' ? net.isIP(address) : 0
  if (ipVersion === 0) throw invalid('address', `must be an IPv4 or IPv6 address, got ${String(address)}`)
  if (options.port === undefined) throw invalid('port', 'is required (0 picks a free port)')
  const port = integerOption(options.port, 'port', 0, 65535, 0)
  const useUdp = booleanOption(options.udp, 'udp')
  const useTcp = booleanOption(options.tcp, 'tcp')
  if (!useUdp && !useTcp) throw invalid('udp', 'and tcp are both false: nothing to listen on')
  const limits: TcpLimits = {
    maxConnections: integerOption(
      options.maxTcpConnections,
      'maxTcpConnections',
      1,
      1_000_000,
      DEFAULT_MAX_TCP_CONNECTIONS,
    ),
    idleTimeoutMs: integerOption(
      options.tcpIdleTimeoutMs,
      'tcpIdleTimeoutMs',
      1,
      3_600_000,
      DEFAULT_TCP_IDLE_TIMEOUT_MS,
    ),
    queryTimeoutMs: integerOption(
      options.tcpQueryTimeoutMs,
      'tcpQueryTimeoutMs',
      1,
      3_600_000,
      DEFAULT_TCP_QUERY_TIMEOUT_MS,
    ),
    maxConnectionMs: integerOption(
      options.tcpMaxConnectionMs,
      'tcpMaxConnectionMs',
      1,
      86_400_000,
      DEFAULT_TCP_MAX_CONNECTION_MS,
    ),
    maxMessageSize: integerOption(
      options.maxTcpMessageSize,
      'maxTcpMessageSize',
      12,
      MAX_TCP_MESSAGE_SIZE,
      DEFAULT_MAX_TCP_MESSAGE_SIZE,
    ),
  }
  if (options.onHandlerError !== undefined && typeof options.onHandlerError !== 'function') {
    throw invalid('onHandlerError', 'must be a function')
  }
  signal?.throwIfAborted()

  const ctx: ListenerContext = {
    handler,
    stats: createStats(),
    family: ipVersion === 6 ? 6 : 4,
    udpReceiveBufferSize: integerOption(
      options.udpReceiveBufferSize,
      'udpReceiveBufferSize',
      4096,
      1 << 30,
      DEFAULT_UDP_RECEIVE_BUFFER_SIZE,
    ),
    onHandlerError: options.onHandlerError,
  }
  const { udp, tcp, actualPort } = await bindBoth(ctx, address, port, useUdp, useTcp, limits)

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      signal?.removeEventListener('abort', onAbort)
      await Promise.all([
        udp === undefined ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
        tcp?.close(),
      ])
    })()
    return closing
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
  return { address, port: actualPort, stats: ctx.stats, close }
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
      await tcp?.close()
      // Port 0: the kernel's free TCP port may be taken for UDP; try another one a few times.
      if (attempt >= attempts || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
}
