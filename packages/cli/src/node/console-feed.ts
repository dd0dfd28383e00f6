import { EventEmitter } from 'node:events'
import type { AdminAction, AssociationView, ConsoleEvent, FinishedAssociationView } from '@gslb/console'
import type { Forwarder } from '@gslb/forwarder'
import type { HealthChecker } from '@gslb/health'
import type { Resolver } from '@gslb/resolver'
import type { LiveSource } from '../admin/event-stream.js'
import type { Config } from '../config/types.js'
import { CONSOLE_LIMITS } from '../constants.js'
import { finishedAssociation, openAssociation } from './associations.js'
import type { NodeEvents } from './node.js'
import { ProbeClassifier, SiteLookup } from './telemetry.js'
import { recordHealth, recordResolver, Timeline } from './timeline.js'

type ObservedNode = EventEmitter<NodeEvents> & { health: HealthChecker }

/**
 * What the console shows live: the timeline of state changes (GET /timeline) and the events of GET /events
 * (timeline entries as they happen, associations as they finish). The node's own health probes through its
 * services are left out, as the metrics leave them out.
 */
export class ConsoleFeed {
  readonly timeline: Timeline
  readonly #events = new EventEmitter<{ event: [ConsoleEvent] }>()
  readonly #probes: ProbeClassifier
  readonly #topology: SiteLookup
  readonly #config: () => Config
  #forwarder: Forwarder | undefined

  constructor(config: () => Config, timeline = new Timeline()) {
    this.timeline = timeline
    this.#probes = new ProbeClassifier(config)
    this.#topology = new SiteLookup(config)
    this.#config = config
    // Each stream is one listener; EventStreams caps the streams well below this.
    this.#events.setMaxListeners(64)
    this.timeline.on('timeline:entry', (entry) =>
      this.#events.emit('event', { type: 'timeline', data: entry }),
    )
  }

  /**
   * The site an association went to: the datacenter of the pool member at that address (a site's cluster VIP);
   * for a service that is itself a site's cluster VIP, that site; else the topology's subnet of the address.
   */
  siteOf(service: string, address: string): string {
    const config = this.#config()
    const members = Object.values(config.gslb?.pools ?? {}).flatMap((pool) => pool.members)
    const siteAt = (at: string) =>
      members.find((m) => (m.address === at || m.monitorAddress === at) && m.datacenter)?.datacenter
    const viaCluster = config.services?.[service]?.listen.map((l) => siteAt(l.address)).find(Boolean)
    return siteAt(address) ?? viaCluster ?? this.#topology.siteOf(address)
  }

  observeNode(node: ObservedNode): void {
    recordHealth(node.health, this.timeline)
    node.on('config:reload', (e) =>
      this.timeline.add(
        'reload',
        'config',
        `applied: ${e.changes?.length ? e.changes.join('; ') : 'no changes'}`,
      ),
    )
    node.on('config:reject', (e) =>
      this.timeline.add(
        'reload',
        'config',
        `refused, the running config stays: ${e.error ?? 'unknown error'}`,
      ),
    )
    node.on('vip:taken', (e) =>
      this.timeline.add('vip', e.address, `taken: this node holds it now (${e.services.join(', ')})`),
    )
    node.on('vip:released', (e) =>
      this.timeline.add(
        'vip',
        e.address,
        `given up: this node no longer holds it (${e.services.join(', ')})`,
      ),
    )
    node.on('node:stopping', (e) =>
      this.timeline.add(
        'node',
        'stop',
        e.vips.length > 0
          ? `planned stop: unfit now, waiting up to ${e.graceMs} ms for ${e.vips.join(', ')} to move`
          : 'planned stop: holds no VIP, draining',
      ),
    )
  }

  observeResolver(name: string, resolver: Resolver): void {
    recordResolver(name, resolver, this.timeline)
  }

  observeForwarder(forwarder: Forwarder): void {
    this.#forwarder = forwarder
    forwarder.on('connection:close', (log) => {
      // Once per connection (issue 13): nothing to build while no console is watching.
      if (this.#events.listenerCount('event') === 0 || this.#probes.isProbe(log)) return
      const data: FinishedAssociationView = finishedAssociation(log, (address) =>
        this.siteOf(log.service, address),
      )
      this.#events.emit('event', { type: 'association', data })
    })
  }

  /** An admin override was applied (the health change it causes, if any, is recorded on its own). */
  override(subject: string, action: AdminAction, state: string | undefined): void {
    this.timeline.add(
      'override',
      subject,
      `${action} applied through the admin API; state now ${state ?? 'unknown'}`,
    )
  }

  /** The associations open now, the node's own probes left out, at most `limit`. */
  associations(limit: number = CONSOLE_LIMITS.associationsPerSnapshot): AssociationView[] {
    const open = this.#forwarder?.connections({ limit: limit * 2 }) ?? []
    return open
      .filter((connection) => !this.#probes.isProbe(connection))
      .slice(0, limit)
      .map((connection) => openAssociation(connection, (address) => this.siteOf(connection.service, address)))
  }

  live(): LiveSource {
    return {
      subscribe: (listener) => {
        this.#events.on('event', listener)
        return () => this.#events.off('event', listener)
      },
      associations: () => this.associations(),
    }
  }
}
