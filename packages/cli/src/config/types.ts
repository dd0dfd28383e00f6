/**
 * A validated gslb-lb configuration. It mirrors the JSON file (see `schema/gslb-lb.schema.json`), except that
 * every duration is a number of milliseconds.
 */

import type { MemberConfig } from '@gslb/engine'
import type {
  BalanceMethod,
  NameBackend as ForwarderNameBackend,
  StaticBackend as ForwarderStaticBackend,
} from '@gslb/forwarder'
import type { ResolverOptions } from '@gslb/resolver'
import type { FleetView } from './fleet.js'

// The shapes a library already defines are its own, not copies: a pool member is the engine's, a backend the
// forwarder's (a name backend adds the resolver that keeps it fresh), a resolver's settings the resolver's.
export type { MemberConfig }

export interface Endpoint {
  address: string
  port: number
}

export interface Thresholds {
  interval?: number
  timeout?: number
  rise?: number
  fall?: number
}

interface MonitorBase extends Thresholds {
  port?: number
}

export type MonitorConfig =
  | (MonitorBase & { type: 'tcp'; send?: string; expect?: string })
  | (MonitorBase & { type: 'dicom'; callingAE?: string; calledAE?: string })
  | (MonitorBase & {
      type: 'http' | 'https'
      method?: string
      path?: string
      hostname?: string
      expectStatus?: number[]
      bodyMatch?: string
      verifyTls?: boolean
    })
  | (MonitorBase & {
      type: 'dns'
      name: string
      rrtype?: 'A' | 'AAAA'
      expectRcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'NOTIMP' | 'FORMERR'
      expectAddress?: string
    })
  | (MonitorBase & { type: 'external'; command: string[] })

export interface NodeConfig {
  name: string
  site?: string
  drainTimeout?: number
  stopGrace?: number
  /** Where the node keeps state across restarts (the SOA serials); default /var/lib/gslb-lb. */
  stateDir?: string
}

export interface TopologyConfig {
  datacenters: Record<string, { cidrs: string[]; resolvers?: string[]; description?: string }>
  preferences?: Record<string, string[]>
}

export interface HealthConfig {
  profile?: 'normal' | 'fast'
  defaults?: Thresholds
}

export interface ZoneConfig {
  name: string
  ttl?: number
  soa?: {
    mname?: string
    rname?: string
    serial?: number
    refresh?: number
    retry?: number
    expire?: number
    minimum?: number
    ttl?: number
  }
  nameservers: (string | { name: string; addresses: string[] })[]
  records?: { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'TXT'; value: string | string[]; ttl?: number }[]
}

export interface PoolConfig {
  method?: 'failover' | 'topology' | 'wrr' | 'all'
  allDown?: 'any' | 'refuse' | 'empty' | string[]
  unknownAs?: 'up' | 'down'
  maxAnswers?: number
  maxAnswersViaResolver?: number
  monitor?: string
  port?: number
  members: MemberConfig[]
}

export interface GlobalNameConfig {
  name: string
  pool: string
  ttl?: number
}

export interface GslbConfig {
  listen: Endpoint[]
  zones: ZoneConfig[]
  pools?: Record<string, PoolConfig>
  names?: GlobalNameConfig[]
  ecs?: { enabled?: boolean; trusted?: string[] }
}

export interface ResolverConfig
  extends Pick<
    ResolverOptions,
    'interval' | 'timeout' | 'failThreshold' | 'lastGoodMaxAge' | 'negativePolicy' | 'respectTtl'
  > {
  /** address[:port], or 'engine' for this node's own engine. */
  nameservers: string[]
}

export type AddressBackend = ForwarderStaticBackend

export interface NameBackend extends ForwarderNameBackend {
  /** The resolver (a key of `resolvers`) that keeps this name's addresses fresh. */
  resolver: string
}

export type BackendConfig = AddressBackend | NameBackend

export interface ServiceConfig {
  listen: Endpoint[]
  backends: BackendConfig[]
  balance?: BalanceMethod
  monitor?: string
  retries?: number
  limits?: {
    maxConnections?: number
    maxConnectionsPerClient?: number
    connectTimeout?: number
    firstResponseTimeout?: number
    idleTimeout?: number
    finTimeout?: number
    keepAlive?: number
  }
  allow?: string[]
  passive?: { failures?: number; hold?: number }
  onMarkedDown?: 'keep' | 'shutdown'
  sniffDicom?: boolean
  retryOnEmpty?: boolean
  proxyProtocol?: 1 | 2
}

export interface AdminConfig {
  listen?: Endpoint
  token?: string
  /** Extra Host header names the admin API answers to (DNS-rebinding guard). */
  allowedHosts?: string[]
}

export interface LoggingConfig {
  level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  format?: 'auto' | 'json' | 'pretty'
}

export interface Config {
  node: NodeConfig
  topology?: TopologyConfig
  health?: HealthConfig
  monitors?: Record<string, MonitorConfig>
  gslb?: GslbConfig
  resolvers?: Record<string, ResolverConfig>
  services?: Record<string, ServiceConfig>
  admin?: AdminConfig
  logging?: LoggingConfig
  /** Set by `loadConfig`: the fleet this node belongs to and the file's fingerprint (not a section of the file). */
  fleet?: FleetView
}

export function isNameBackend(backend: BackendConfig): backend is NameBackend {
  return 'name' in backend
}
