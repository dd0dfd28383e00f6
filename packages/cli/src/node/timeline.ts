import { EventEmitter } from 'node:events'
import type { TimelineEntry, TimelineKind, TimelineView } from '@gslb/console'
import { TIMELINE_KINDS } from '@gslb/console'
import type { HealthChecker } from '@gslb/health'
import type { Resolver } from '@gslb/resolver'
import { CONSOLE_LIMITS } from '../constants.js'
import { CliError } from '../errors.js'

export interface TimelineEvents {
  'timeline:entry': [TimelineEntry]
}

/**
 * The node's recent state changes, newest last, in a ring of `capacity` (GET /timeline); each new entry is also
 * emitted as 'timeline:entry' (GET /events).
 */
export class Timeline extends EventEmitter<TimelineEvents> {
  readonly #ring: (TimelineEntry | undefined)[]
  #next = 0
  #seq = 0

  constructor(readonly capacity: number = CONSOLE_LIMITS.timelineEntries) {
    super()
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new CliError('GSLB_CLI_USAGE', `timeline capacity must be a positive integer, not ${capacity}`)
    this.#ring = new Array(capacity)
  }

  add(kind: TimelineKind, subject: string, message: string): TimelineEntry {
    const entry: TimelineEntry = { seq: ++this.#seq, at: Date.now(), kind, subject, message }
    this.#ring[this.#next] = entry
    this.#next = (this.#next + 1) % this.capacity
    this.emit('timeline:entry', entry)
    return entry
  }

  /** Oldest first; only `kind` when given (throws `GSLB_CLI_USAGE`, HTTP 400, for a kind that does not exist). */
  view(kind?: string): TimelineView {
    if (kind !== undefined && !TIMELINE_KINDS.includes(kind as TimelineKind)) {
      throw new CliError(
        'GSLB_CLI_USAGE',
        `unknown timeline kind '${kind}' (kinds: ${TIMELINE_KINDS.join(', ')})`,
      )
    }
    const entries: TimelineEntry[] = []
    for (let i = 0; i < this.capacity; i++) {
      const entry = this.#ring[(this.#next + i) % this.capacity]
      if (entry && (kind === undefined || entry.kind === kind)) entries.push(entry)
    }
    return { capacity: this.capacity, entries }
  }
}

/** Health changes of pool members and service servers, with the checker's reason in words. */
export function recordHealth(health: HealthChecker, timeline: Timeline): void {
  health.on('target:change', (e) => {
    const override = e.admin ? ` (override ${e.admin})` : ''
    timeline.add('health', e.id, `${e.previous} → ${e.current}${override}: ${e.reason.message}`)
  })
}

/**
 * What a resolver did that an operator needs to see: new addresses and who gave them (the local engine or a
 * fallback nameserver), the first failed lookup of a run (the last good addresses are kept), offline and online.
 */
export function recordResolver(resolverName: string, resolver: Resolver, timeline: Timeline): void {
  resolver.on('address:change', (e) => {
    const from = e.nameserver ? ` from ${e.nameserver}` : ''
    timeline.add(
      'resolver',
      e.name,
      `addresses ${e.previous.join(', ') || 'none'} → ${e.current.join(', ') || 'none'}${from} (resolver ${resolverName})`,
    )
  })
  // a fallback to another nameserver changes no address when both give the same ones: the operator must see it
  resolver.on('nameserver:change', (e) =>
    timeline.add(
      'resolver',
      e.name,
      `answers now come from ${e.current} (before: ${e.previous}) (resolver ${resolverName})`,
    ),
  )
  resolver.on('lookup:fail', (e) => {
    if (e.consecutiveFailures !== 1) return
    const kept = e.lastGood ? `; keeping the last good addresses ${e.lastGood.addresses.join(', ')}` : ''
    timeline.add(
      'resolver',
      e.name,
      `every nameserver failed: ${e.error.message}${kept} (resolver ${resolverName})`,
    )
  })
  resolver.on('lastgood:expire', (e) =>
    timeline.add(
      'resolver',
      e.name,
      `last good addresses ${e.addresses.join(', ')} dropped after ${Math.round(e.maxAgeMs / 1000)} s without an answer (resolver ${resolverName})`,
    ),
  )
  resolver.on('name:offline', (e) =>
    timeline.add('resolver', e.name, `offline: ${e.reason.message} (resolver ${resolverName})`),
  )
  resolver.on('name:online', (e) =>
    timeline.add(
      'resolver',
      e.name,
      `online again: ${e.addresses.join(', ')}${e.nameserver ? ` from ${e.nameserver}` : ''} (resolver ${resolverName})`,
    ),
  )
}
