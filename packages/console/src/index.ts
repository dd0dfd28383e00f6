/**
 * @gslb/console — the operator's web console for gslb-lb nodes, and a small typed client for their admin API.
 *
 * The console is three static files (a page, one script, one style sheet; no CDN, works offline) that a node
 * serves on its admin listener. The client is what the page uses, and what any other tool can use.
 *
 * @example
 * ```ts
 * import { createAdminClient } from '@gslb/console'
 *
 * const admin = createAdminClient({ baseUrl: 'http://127.0.0.1:9180', token: process.env.GSLB_LB_TOKEN })
 * const status = await admin.status()
 * for (const pool of status.pools)
 *   for (const member of pool.members) console.log(pool.name, member.name, member.state, member.lastCheck?.message)
 * await admin.member('dicom', 'siteA', 'drain')
 * ```
 */
export type * from './api.js'
export { ADMIN_ACTIONS, siteState, TIMELINE_KINDS } from './api.js'
export { type ConsoleAsset, type ConsoleAssets, consoleAssets } from './assets.js'
export {
  type AdminClient,
  type AdminClientOptions,
  createAdminClient,
  type RequestOptions,
} from './client.js'
export {
  CONSOLE_ASSET_PREFIX,
  CONSOLE_CONTENT_SECURITY_POLICY,
  DEFAULT_ADMIN_TIMEOUT_MS,
  MAX_EVENT_BYTES,
  MAX_RESPONSE_BYTES,
} from './constants.js'
export { ConsoleError, ConsoleErrorCode, isConsoleError } from './errors.js'
export { type SseMessage, SseParser } from './sse.js'
