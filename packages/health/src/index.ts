/**
 * @packageDocumentation
 * Health checking for gslb-lb: tcp, http/https, DICOM C-ECHO, DNS, external-command and custom monitors; a
 * rise/fall state machine per target with admin overrides (force-up, force-down, drain); one scheduler (a single
 * timer over a min-heap, with a concurrency cap) shared by the engine and the forwarder.
 *
 * @example
 * ```ts
 * import { createHealthChecker } from '@gslb/health'
 *
 * const health = createHealthChecker({ defaults: { intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3 } })
 * health.on('target:change', (e) => console.log(e.id, e.previous, '→', e.current, e.reason.message))
 * health.add({ id: 'dicom/site-a', address: '10.1.0.10', port: 104, monitor: { type: 'dicom', calledAE: 'PACS' } })
 * await health.start()
 * // later: await health.close({ deadlineMs: 1000 })
 * ```
 */

export { createHealthChecker } from './checker.js'
export type { Clock, TimerHandle } from './clock.js'
export * as constants from './constants.js'
export { HealthError, HealthErrorCode, isHealthError } from './errors.js'
export type { HealthCheckerOptions } from './options.js'
export type {
  AdminOverride,
  ChangeReason,
  CheckResult,
  CheckResultEvent,
  CustomMonitor,
  DicomMonitor,
  DnsMonitor,
  DnsRcode,
  EffectiveState,
  ExternalMonitor,
  HandlerErrorEvent,
  HealthChecker,
  HealthEvents,
  HealthSnapshot,
  HealthState,
  HttpMonitor,
  InitialState,
  Listener,
  MonitorOutcome,
  MonitorSpec,
  ResolvedTarget,
  Target,
  TargetChangeEvent,
  TargetStatus,
  TcpMonitor,
} from './types.js'
export type { TargetDefaults } from './validate.js'
export { resolveTarget, type TargetIssue, validateTarget } from './validate.js'
