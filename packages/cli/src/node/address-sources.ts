import type { Resolver } from '@gslb/resolver'

type Listener = (name: string, addresses: readonly string[]) => void
type TrackOptions = { family?: 4 | 6 | 'both'; prefer?: 4 | 6 }

const EMPTY: readonly string[] = Object.freeze([])
const canonical = (name: string) => name.toLowerCase().replace(/\.$/, '')

/**
 * One address source over several named resolvers: each backend name is routed to the resolver its service
 * names in the config. The forwarder takes a single source; this is it. A resolver can be replaced at reload
 * without the forwarder noticing anything but (possibly) new addresses.
 */
export class ResolverSet {
  readonly #resolvers = new Map<string, Resolver>()
  readonly #unsubscribe = new Map<string, () => void>()
  #route = new Map<string, string>()
  readonly #tracked = new Map<string, TrackOptions>()
  readonly #listeners = new Set<Listener>()

  /** Which resolver serves which name (canonical name → resolver name). */
  setRoutes(routes: ReadonlyMap<string, string>): void {
    const previous = this.#route
    this.#route = new Map([...routes].map(([name, resolver]) => [canonical(name), resolver]))
    for (const [name, options] of this.#tracked) {
      const before = previous.get(name)
      const after = this.#route.get(name)
      if (before === after) continue
      if (before !== undefined) this.#resolvers.get(before)?.untrack(name)
      if (after !== undefined) this.#resolvers.get(after)?.track(name, options)
    }
  }

  resolverFor(name: string): Resolver | undefined {
    const resolverName = this.#route.get(canonical(name))
    return resolverName === undefined ? undefined : this.#resolvers.get(resolverName)
  }

  resolverNameFor(name: string): string | undefined {
    return this.#route.get(canonical(name))
  }

  get(name: string): Resolver | undefined {
    return this.#resolvers.get(name)
  }

  entries(): [string, Resolver][] {
    return [...this.#resolvers]
  }

  /** Tracked names routed to `resolver` and their options. */
  namesOf(resolver: string): [string, TrackOptions][] {
    return [...this.#tracked].filter(([name]) => this.#route.get(name) === resolver)
  }

  /** Adds or replaces the resolver called `name`; the names routed to it are tracked on it. Returns the old one. */
  set(name: string, resolver: Resolver): Resolver | undefined {
    const previous = this.#resolvers.get(name)
    this.#unsubscribe.get(name)?.()
    this.#resolvers.set(name, resolver)
    for (const [tracked, options] of this.namesOf(name)) resolver.track(tracked, options)
    this.#unsubscribe.set(
      name,
      resolver.subscribe((changed, addresses) => {
        if (this.#route.get(canonical(changed)) !== name) return
        for (const listener of this.#listeners) listener(changed, addresses)
      }),
    )
    return previous
  }

  delete(name: string): Resolver | undefined {
    const previous = this.#resolvers.get(name)
    this.#unsubscribe.get(name)?.()
    this.#unsubscribe.delete(name)
    this.#resolvers.delete(name)
    return previous
  }

  // --- AddressSource (what @gslb/forwarder asks of its address source) ---

  addresses(name: string): readonly string[] {
    return this.resolverFor(name)?.addresses(name) ?? EMPTY
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  resolveNow(name: string): Promise<unknown> {
    const resolver = this.resolverFor(name)
    if (!resolver?.running) return Promise.resolve(undefined)
    return resolver.resolveNow(name)
  }

  track(name: string, options: TrackOptions = {}): void {
    this.#tracked.set(canonical(name), options)
    this.resolverFor(name)?.track(name, options)
  }

  untrack(name: string): void {
    this.#tracked.delete(canonical(name))
    this.resolverFor(name)?.untrack(name)
  }
}
