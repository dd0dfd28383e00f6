export {
  DEFAULT_MAX_TCP_CONNECTIONS,
  DEFAULT_MAX_TCP_MESSAGE_SIZE,
  DEFAULT_TCP_IDLE_TIMEOUT_MS,
  DEFAULT_TCP_MAX_CONNECTION_MS,
  DEFAULT_TCP_QUERY_TIMEOUT_MS,
} from './constants.js'
export { listenDns, type ResolvedListenOptions, resolveListenOptions } from './listen.js'
export type {
  DnsClientInfo,
  DnsHandler,
  DnsListener,
  DnsListenerAddress,
  DnsListenerStats,
  DnsListenOptions,
} from './types.js'
