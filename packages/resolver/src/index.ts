/**
 * @gslb/resolver — keeps the addresses of backend names fresh for the forwarder.
 *
 * Asks ordered nameservers (in the field: the local GSLB, then the primary DNS) with its own small DNS client:
 * per-try timeouts, UDP with TCP on truncation, spoofed replies ignored, no cache between cycles. Keeps the
 * last-known-good addresses through DNS outages (up to `lastGoodMaxAgeMs` after their answer) and takes a name
 * offline on an accepted NXDOMAIN/empty answer, when its kept addresses expire, or — when nothing was ever known to
 * be good — after `failThreshold` failed cycles. Satisfies `@gslb/forwarder`'s `AddressSource` structurally.
 *
 * @example
 * ```ts
 * import { createResolver } from '@gslb/resolver'
 *
 * const resolver = createResolver({ nameservers: ['127.0.0.1:53', '10.0.0.2:53'], intervalMs: 10_000 })
 * resolver.on('address:change', (e) => console.log(e.name, e.previous, '->', e.current, 'from', e.nameserver))
 * resolver.track('dicom.mysite.com')
 * await resolver.start()
 * console.log(resolver.addresses('dicom.mysite.com'))
 * await resolver.close()
 * ```
 */
export type { RecordType } from './client.js'
export * as defaults from './constants.js'
export { isResolverError, ResolverError, ResolverErrorCode } from './errors.js'
export type { NameserverCounters, NegativePolicy } from './lookup.js'
export { type Nameserver, parseNameserver } from './nameserver.js'
export type { AddressOrder, ResolverOptionIssue, ResolverOptions } from './options.js'
export { validateResolverOptions } from './options.js'
export { createResolver } from './resolver.js'
export type {
  AddressChangeEvent,
  HandlerErrorEvent,
  LastGood,
  LastGoodExpireEvent,
  LookupFailEvent,
  NameOfflineEvent,
  NameOnlineEvent,
  NameState,
  NameStatus,
  NameserverChangeEvent,
  Resolver,
  ResolverEvents,
  ResolverSnapshot,
  TrackOptions,
} from './types.js'
