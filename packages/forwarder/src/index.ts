/**
 * @gslb/forwarder — the L4 TCP forwarder on the VIP.
 *
 * A service listens on one or more `address:port`s and forwards every client connection to one of its
 * servers: static addresses or DNS names followed through an {@link AddressSource}. Servers are balanced
 * (`first`, `roundrobin`, `leastconn`, `source`), checked actively through a given health checker and
 * passively on connect failures; a failed connect is retried on the next server before the client notices.
 * Bytes move both ways with backpressure and half-close; limits, allow-lists, PROXY protocol v1/v2 and DICOM
 * association sniffing are per service.
 *
 * @example
 * ```ts
 * import { createForwarder } from '@gslb/forwarder'
 *
 * const forwarder = createForwarder({
 *   services: [
 *     {
 *       name: 'DICOM_CLUSTER_A',
 *       listen: ['127.0.0.1:11112'],
 *       balance: 'source',
 *       backends: [
 *         { address: '127.0.0.1', port: 11113 },
 *         { address: '127.0.0.1', port: 11114, backup: true },
 *       ],
 *     },
 *   ],
 * })
 * forwarder.on('connection:close', (log) => console.log(log))
 * await forwarder.start()
 * // ... later: graceful (destroy() is the abrupt one)
 * await forwarder.close({ deadlineMs: 10_000 })
 * ```
 *
 * @packageDocumentation
 */

export * from './constants.js'
export { ForwarderError, ForwarderErrorCode, isForwarderError } from './errors.js'
export { createForwarder, type Forwarder } from './forwarder.js'
export { type ForwarderOptionIssue, validateForwarderOptions } from './options.js'
export { encodeProxyHeader, encodeProxyV1, encodeProxyV2, type ProxyEndpoints } from './proxy-protocol.js'
export type {
  ActiveConnection,
  AddressSource,
  Backend,
  BalanceMethod,
  ConnectAttempt,
  ConnectionEnd,
  ConnectionLog,
  ForwarderEvents,
  ForwarderOptions,
  HealthChange,
  HealthCheckDone,
  HealthRegistry,
  NameBackend,
  RejectReason,
  ServerStats,
  ServiceConfig,
  ServiceStats,
  StaticBackend,
} from './types.js'
