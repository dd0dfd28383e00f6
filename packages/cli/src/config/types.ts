/**
 * A validated gslb-lb configuration. Its shape is generated from the JSON Schema (config/schema.ts) into
 * `types.generated.ts` by `scripts/gen-config-types.mjs`: as the file says, except that every duration is a number of
 * milliseconds. Only what the schema cannot say is written here: one node's config names its node, and carries the
 * fleet it was resolved from.
 */

import type { FleetView } from './fleet.js'
import type * as File from './types.generated.js'

// A pool member is the engine's own type (the generated file checks the schema against it).
export type { MemberConfig } from '@gslb/engine'
export type {
  AddressBackend,
  AdminConfig,
  BackendConfig,
  DatacenterConfig,
  EcsConfig,
  Endpoint,
  GlobalNameConfig,
  GluedNameserver,
  GslbConfig,
  HealthConfig,
  LoggingConfig,
  MonitorConfig,
  NameBackend,
  PassiveHealth,
  PoolConfig,
  RecordConfig,
  ResolverConfig,
  ServiceConfig,
  ServiceLimits,
  SoaConfig,
  Thresholds,
  TopologyConfig,
  ZoneConfig,
} from './types.generated.js'

/** Who this node is: in one node's config the name is required (a fleet file names its nodes in `fleet.nodes`). */
export interface NodeConfig extends File.NodeConfig {
  name: string
}

export interface Config extends Omit<File.ConfigFile, 'node' | 'fleet'> {
  node: NodeConfig
  /** Set by `loadConfig`: the fleet this node belongs to and the file's fingerprint (not a section of the file). */
  fleet?: FleetView
}

export function isNameBackend(backend: File.BackendConfig): backend is File.NameBackend {
  return 'name' in backend
}
