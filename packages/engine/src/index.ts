/**
 * @packageDocumentation
 * `@gslb/engine`: the authoritative GSLB DNS server of gslb-lb. It answers for delegated zones with the address
 * of the best healthy site: pools of members with methods `failover`, `wrr`, `topology` (site affinity from the
 * client's subnet or its EDNS Client Subnet) and `all`, health from a given @gslb/health checker or pushed by the
 * embedder, an all-down action, and `explain()` to show why an answer is what it is.
 *
 * @example
 * ```ts
 * import { createEngine } from '@gslb/engine'
 *
 * const engine = createEngine({
 *   config: {
 *     zones: { 'dicom.example.org': { ns: [{ name: 'ns1.dicom.example.org', addresses: ['192.0.2.53'] }] } },
 *     pools: {
 *       pacs: {
 *         method: 'failover',
 *         members: [
 *           { name: 'site-a', address: '10.1.0.50' },
 *           { name: 'site-b', address: '10.2.0.50' },
 *         ],
 *       },
 *     },
 *     names: { 'dicom.example.org': { pool: 'pacs', ttl: 5 } },
 *   },
 *   listen: [{ address: '127.0.0.1', port: 5353 }],
 * })
 * engine.setHealth('pacs', 'site-a', 'down')
 * await engine.start()
 * // dig @127.0.0.1 -p 5353 dicom.example.org  →  10.2.0.50
 * await engine.close()
 * ```
 */
export type {
  AllDownAction,
  EcsConfig,
  EngineConfig,
  GlobalNameConfig,
  MemberConfig,
  NameServerConfig,
  PoolConfig,
  PoolMethod,
  PoolMonitorConfig,
  SoaConfig,
  StaticRecordConfig,
  TopologyConfig,
  ZoneConfig,
} from './config.js'
export * as constants from './constants.js'
export {
  createEngine,
  type Engine,
  type EngineListenOptions,
  type EngineOptions,
  type MemberStatus,
} from './engine.js'
export { EngineError, EngineErrorCode, isEngineError } from './errors.js'
export type {
  ConfigUpdateEvent,
  EngineEvents,
  HandlerErrorEvent,
  MemberChangeEvent,
  MonitorsUncheckedEvent,
  QueryErrorEvent,
  SerialChangeEvent,
  TargetErrorEvent,
} from './events.js'
export type {
  ExplainClient,
  ExplainedCandidate,
  ExplainedRecord,
  Explanation,
  PoolExplanation,
} from './explain.js'
export type { AnswerClient } from './respond.js'
export {
  nextSerial,
  type SoaSerialState,
  serialFromFingerprint,
  zoneFingerprint,
  zoneSerial,
} from './serial.js'
export type { EngineStats } from './stats.js'
export type { DnsClientInfo, DnsListenerAddress, DnsListenerStats } from './transport/index.js'
export { type EngineConfigIssue, validateEngineConfig } from './validate-config.js'
