import type { Forwarder } from '@gslb/forwarder'
import { forwarderServices, nameRoutes } from '../config/library-options.js'
import type { Config } from '../config/types.js'
import type { Logger } from '../log.js'
import type { NodeMetrics } from '../metrics.js'
import { VERSION } from '../version.js'
import type { ResolverSet } from './address-sources.js'
import type { EngineHandle } from './engine.js'

type ResolverConfig = NonNullable<Config['resolvers']>[string]

/** One component's part of a reload. The node asks each in turn and reports what they say changed. */
export interface Reconciler {
  /** True when `next` asks something of this component that `previous` did not. */
  changed(previous: Config, next: Config): boolean
  /** Applies `next` (`previous` is what runs now); one line per change, as the reload result reports it. */
  apply(next: Config, previous: Config): Promise<string[]> | string[]
}

export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** Runs every reconciler whose part changed, in order, pushing their lines to `changes` as each one finishes. */
export async function reconcile(
  reconcilers: readonly Reconciler[],
  previous: Config,
  next: Config,
  changes: string[],
): Promise<void> {
  for (const reconciler of reconcilers) {
    if (reconciler.changed(previous, next)) changes.push(...(await reconciler.apply(next, previous)))
  }
}

/** What the engine and the admin API are bound to; a reload reports a listen change against these, not the file. */
export interface BoundListeners {
  gslb: unknown
  admin: unknown
}

/**
 * `gslb.listen` and `admin.listen` take effect at a restart: a reload reports the file differing from what is bound
 * (once per change), and a file put back to what is bound.
 */
export function listenReconciler(bound: () => BoundListeners | undefined): Reconciler {
  const entries = (previous: Config, next: Config) =>
    [
      [
        'gslb.listen',
        'the engine keeps its listeners',
        bound()?.gslb,
        previous.gslb?.listen,
        next.gslb?.listen,
      ],
      [
        'admin.listen',
        'the admin API keeps its listener',
        bound()?.admin,
        previous.admin?.listen,
        next.admin?.listen,
      ],
    ] as const
  return {
    changed: (previous, next) =>
      entries(previous, next).some(([, , , before, after]) => !same(before, after)),
    apply(next, previous) {
      const out: string[] = []
      for (const [key, keeps, running, before, after] of entries(previous, next)) {
        if (same(before, after)) continue
        if (bound() && same(after, running)) out.push(`${key}: back to what is listening (no restart needed)`)
        else out.push(`${key}: changed in the file; ${keeps} until a restart`)
      }
      return out
    },
  }
}

/** Zones, pools and names: the engine validates its whole config before changing anything. */
export function engineReconciler(engine: () => EngineHandle | undefined): Reconciler {
  return {
    changed: (previous, next) =>
      engine() !== undefined &&
      next.gslb !== undefined &&
      (!same(previous.gslb, next.gslb) ||
        !same(previous.topology, next.topology) ||
        !same(previous.monitors, next.monitors) ||
        !same(previous.health, next.health)),
    async apply(next) {
      await engine()?.update(next)
      return ['engine: zones, pools and names updated']
    },
  }
}

/** The level applies at once (also over a level set outside the file); the format needs a restart. */
export function loggingReconciler(logger: Logger): Reconciler {
  const format = (config: Config) => config.logging?.format ?? 'auto'
  const level = (config: Config) => config.logging?.level ?? 'info'
  return {
    changed: (previous, next) =>
      format(previous) !== format(next) ||
      previous.logging?.level !== next.logging?.level ||
      logger.level !== level(next),
    apply(next, previous) {
      logger.level = level(next)
      const out: string[] = []
      if (format(previous) !== format(next)) {
        out.push('logging.format: changed in the file; takes effect at the next restart')
      }
      if (previous.logging?.level !== next.logging?.level) out.push(`logging.level: ${logger.level}`)
      return out
    },
  }
}

/**
 * Resolvers that are new or changed start (and settle) before the forwarder routes names to them. `start` swaps
 * one in only once it answers; false when the running one was kept.
 */
export function resolverReconciler(options: {
  resolvers: ResolverSet
  running: ReadonlyMap<string, ResolverConfig>
  start(name: string, config: ResolverConfig): Promise<boolean>
}): Reconciler {
  const { resolvers, running } = options
  const pending = (next: Config) =>
    Object.entries(next.resolvers ?? {}).filter(([name, config]) => !same(running.get(name), config))
  return {
    changed: (previous, next) =>
      !same([...nameRoutes(previous)], [...nameRoutes(next)]) || pending(next).length > 0,
    async apply(next) {
      resolvers.setRoutes(nameRoutes(next))
      const out: string[] = []
      for (const [name, config] of pending(next)) {
        const added = !running.has(name)
        const replaced = await options.start(name, config)
        out.push(
          `resolver ${name}: ${added ? 'added' : replaced ? 'replaced' : 'NOT replaced (the new settings got no answer; the running resolver stays)'}`,
        )
      }
      return out
    },
  }
}

/** Services (and what their checks use): updated in place, connections kept; a removed service drains. */
export function forwarderReconciler(forwarder: () => Forwarder | undefined): Reconciler {
  return {
    changed: (previous, next) =>
      forwarder() !== undefined &&
      (!same(previous.services, next.services) ||
        !same(previous.monitors, next.monitors) ||
        !same(previous.health, next.health)),
    async apply(next, previous) {
      await forwarder()?.update(forwarderServices(next))
      const out: string[] = []
      for (const name of new Set([
        ...Object.keys(previous.services ?? {}),
        ...Object.keys(next.services ?? {}),
      ])) {
        const before = previous.services?.[name]
        const after = next.services?.[name]
        if (!before) out.push(`service ${name}: added`)
        else if (!after) out.push(`service ${name}: removed (draining)`)
        else if (!same(before, after)) out.push(`service ${name}: updated`)
      }
      return out
    },
  }
}

/** Resolvers no longer in the file stop once the forwarder no longer routes names to them. */
export function retiredResolverReconciler(options: {
  running: Map<string, ResolverConfig>
  stop(name: string): Promise<void>
}): Reconciler {
  const retired = (previous: Config, next: Config) =>
    Object.keys(previous.resolvers ?? {}).filter((name) => !next.resolvers?.[name])
  return {
    changed: (previous, next) => retired(previous, next).length > 0,
    async apply(next, previous) {
      const out: string[] = []
      for (const name of retired(previous, next)) {
        await options.stop(name)
        options.running.delete(name)
        out.push(`resolver ${name}: removed`)
      }
      return out
    },
  }
}

/** The admin API reads its token from the running config at each request: nothing to restart. */
export const adminReconciler: Reconciler = {
  changed: (previous, next) => !same(previous.admin?.token, next.admin?.token),
  apply: () => ['admin: token changed'],
}

/** The fleet's fingerprint, which `status` and the fleet view report. */
export const fleetReconciler: Reconciler = {
  changed: (previous, next) => previous.fleet?.fingerprint !== next.fleet?.fingerprint,
  apply: (next, previous) => [
    `config fingerprint: ${previous.fleet?.fingerprint ?? 'none'} → ${next.fleet?.fingerprint ?? 'none'}`,
  ],
}

/** The node's name and site label every metric (`gslb_node_info`). */
export function nodeInfoReconciler(metrics: NodeMetrics): Reconciler {
  return {
    changed: (previous, next) => !same(previous.node, next.node),
    apply(next) {
      metrics.info.reset()
      metrics.info.set({ node: next.node.name, site: next.node.site ?? '', version: VERSION }, 1)
      return ['node: updated']
    },
  }
}

/** The change lines that already speak for a section. */
const COVERED_BY: Partial<Record<keyof Config, string[]>> = {
  gslb: ['gslb', 'engine:'],
  services: ['service '],
  resolvers: ['resolver '],
  fleet: ['config fingerprint'],
}

/** Every top-level section that changed gets a line, also those no component-specific line names (health.profile). */
export function unlistedChanges(previous: Config, next: Config, listed: readonly string[]): string[] {
  const out: string[] = []
  const profile = (c: Config) => c.health?.profile ?? 'normal'
  if (profile(previous) !== profile(next)) {
    out.push(`health.profile: ${profile(previous)} → ${profile(next)} (checks use the new timings)`)
  }
  if (!same(previous.health?.defaults, next.health?.defaults)) out.push('health.defaults: updated')
  const sections = new Set([...Object.keys(previous), ...Object.keys(next)]) as Set<keyof Config>
  for (const section of sections) {
    if (section === 'health' || same(previous[section], next[section])) continue
    const prefixes = COVERED_BY[section] ?? [section]
    if (listed.some((line) => prefixes.some((prefix) => line.startsWith(prefix)))) continue
    out.push(`${section}: updated`)
  }
  return out
}
