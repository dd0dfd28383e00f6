/**
 * @gslb/cli — `gslb-lb`: the GSLB engine, the resolvers, the L4 forwarder and an admin API in one process, from
 * one JSON config (schema: `schema/gslb-lb.schema.json`). The binary is `gslb-lb`; this module exposes the same
 * pieces for embedding and tests: config loading and validation, the node, the admin API and the command line.
 *
 * @example
 * ```ts
 * import { createNode, loadConfig } from '@gslb/cli'
 *
 * const config = await loadConfig('/etc/gslb-lb/config.json') // throws ConfigError listing every problem
 * const node = createNode({ config, configFile: '/etc/gslb-lb/config.json' })
 * await node.start()
 * console.log(node.check()) // { healthy: true, reasons: [] }
 * await node.reload() // re-reads the file; an invalid one changes nothing
 * await node.close({ deadlineMs: 10_000 })
 * ```
 *
 * @packageDocumentation
 */
export { type AdminRequest, type AdminResponse, adminRequest } from './admin/client.js'
export {
  ADMIN_ACTIONS,
  type AdminAction,
  type AdminHandlers,
  type AdminServer,
  type AdminServerOptions,
  createAdminServer,
} from './admin/server.js'
export { type CliIo, main } from './cli.js'
export { type Demo, DemoSite, demoConfig, startDemo } from './commands/demo.js'
export { formatExplanation } from './commands/explain.js'
export {
  configFingerprint,
  type FleetNodeView,
  type FleetView,
  type NodeChoice,
  resolveFleetNode,
} from './config/fleet.js'
export { starterConfig } from './config/init.js'
export { loadConfig, parseConfigText } from './config/load.js'
export { everyNodeConfig, nodeConfigFrom } from './config/resolve.js'
export { configSchema } from './config/schema.js'
export type * from './config/types.js'
export { validateConfig } from './config/validate.js'
export { configWarnings } from './config/warnings.js'
export * as constants from './constants.js'
export { formatDuration, parseDuration } from './duration.js'
export { CliError, CliErrorCode, ConfigError, type ConfigIssue, isCliError } from './errors.js'
export { createLogger, formatLogLine } from './log.js'
export { createMetrics, type NodeMetrics } from './metrics.js'
export { sampleAnswerTime } from './node/engine.js'
export {
  createNode,
  createNodeFromFile,
  type GslbNode,
  type NodeCloseOptions,
  type NodeEvents,
  type NodeOptions,
  type ReloadResult,
} from './node/node.js'
export type { CheckResult, CheckScope } from './node/observe.js'
export type * from './node/status.js'
export type { InterfaceAddresses, VipEvent } from './node/vips.js'
export { formatStatus } from './status-format.js'
export { VERSION } from './version.js'
