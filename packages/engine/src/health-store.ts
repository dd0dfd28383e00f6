import type { HealthChecker, Target, TargetChangeEvent } from '@gslb/health'
import type { HealthTargetSpec, MemberHealth, Model, ObservedHealth } from './model.js'

/** A member's health changed: `member` is `pool/member`. */
export type HealthChangeListener = (memberId: string, health: MemberHealth, previous: MemberHealth) => void

interface TargetState {
  observed: ObservedHealth
  /** The checker's effective state: observed, pinned by force-up/force-down, or 'drain'. */
  effective: ObservedHealth | 'drain'
}

/**
 * The health of every member, kept across config updates. It folds the checker's per-target states (one target
 * per monitor) into one state per member: down if any monitor says down, unknown if any is unknown, else up;
 * drained if any target is drained. `setHealth()` pushes a state directly (embedding without a checker).
 */
export class HealthStore {
  private readonly members = new Map<string, MemberHealth>()
  private readonly targets = new Map<string, TargetState>()
  /** Target ids per member id, from the current model. */
  private memberTargets = new Map<string, string[]>()
  private specs = new Map<string, HealthTargetSpec>()
  private readonly onTargetChange = (event: TargetChangeEvent) => this.applyTarget(event.id, event)

  constructor(
    private readonly checker: HealthChecker | undefined,
    private readonly onChange: HealthChangeListener,
    /** The checker refused to register or remove a target (the engine reports it as 'target:error'). */
    private readonly onTargetError: (target: string, action: 'register' | 'remove', error: unknown) => void,
  ) {
    checker?.on('target:change', this.onTargetChange)
  }

  /** The live health object of a member (created 'unknown' if new; not kept unless `commit()` sees it). */
  healthFor(id: string): MemberHealth {
    return (
      this.members.get(id) ?? { observed: 'unknown', effective: 'unknown', drained: false, source: 'none' }
    )
  }

  /**
   * Adopts a new model: keeps health of members that still exist, registers new targets, updates changed ones
   * and removes the ones that are gone. Only called once the model is fully built.
   */
  commit(model: Model): void {
    const alive = new Set<string>()
    for (const pool of model.pools.values()) {
      for (const member of pool.members) {
        alive.add(member.id)
        this.members.set(member.id, member.health)
      }
    }
    for (const id of this.members.keys()) if (!alive.has(id)) this.members.delete(id)

    const memberTargets = new Map<string, string[]>()
    for (const [id, spec] of model.targets) {
      const list = memberTargets.get(spec.memberId) ?? []
      list.push(id)
      memberTargets.set(spec.memberId, list)
    }
    const previous = this.specs
    const previousMembers = this.memberTargets
    this.specs = model.targets
    this.memberTargets = memberTargets
    // A member whose monitors were all removed is no longer checked: forget the checker's last word on it.
    for (const memberId of previousMembers.keys()) {
      const health = this.members.get(memberId)
      if (!health || memberTargets.has(memberId) || health.source !== 'checker') continue
      const before = { ...health }
      Object.assign(health, { observed: 'unknown', effective: 'unknown', drained: false, source: 'none' })
      this.notify(memberId, health, before)
    }
    if (!this.checker) return
    for (const id of previous.keys()) {
      if (model.targets.has(id)) continue
      this.targets.delete(id)
      this.guard(id, 'remove', () => this.checker!.remove(id))
    }
    for (const [id, spec] of model.targets) {
      const before = previous.get(id)
      if (before && sameTarget(before.target, spec.target)) continue
      const status = this.guard(id, 'register', () =>
        this.checker!.get(id)
          ? this.checker!.update(spec.target as unknown as Target)
          : this.checker!.add(spec.target as unknown as Target),
      )
      if (status) this.applyTarget(id, status)
    }
    for (const memberId of memberTargets.keys()) this.fold(memberId)
  }

  /** Pushes a state for a member (engine.setHealth). */
  push(memberId: string, state: ObservedHealth): void {
    const health = this.members.get(memberId)
    if (!health) return
    const previous = { ...health }
    health.observed = state
    health.effective = state
    health.source = 'pushed'
    this.notify(memberId, health, previous)
  }

  /** Target ids registered for a member (one per monitor). */
  targetIds(memberId: string): readonly string[] {
    return this.memberTargets.get(memberId) ?? []
  }

  /** Stops listening to the checker and unregisters every target this engine added. */
  close(): void {
    if (!this.checker) return
    this.checker.off('target:change', this.onTargetChange)
    for (const id of this.specs.keys()) this.guard(id, 'remove', () => this.checker!.remove(id))
    this.specs = new Map()
    this.targets.clear()
  }

  private applyTarget(id: string, status: { observed: string; effective: string }): void {
    const spec = this.specs.get(id)
    if (!spec) return
    this.targets.set(id, {
      observed: status.observed as ObservedHealth,
      effective: status.effective as TargetState['effective'],
    })
    this.fold(spec.memberId)
  }

  private fold(memberId: string): void {
    const health = this.members.get(memberId)
    const ids = this.memberTargets.get(memberId)
    if (!health || !ids) return
    let observed: ObservedHealth = 'up'
    let effective: ObservedHealth = 'up'
    let drained = false
    for (const id of ids) {
      const state = this.targets.get(id) ?? { observed: 'unknown', effective: 'unknown' }
      observed = worse(observed, state.observed)
      if (state.effective === 'drain') {
        drained = true
        effective = worse(effective, state.observed)
      } else effective = worse(effective, state.effective)
    }
    if (health.observed === observed && health.effective === effective && health.drained === drained) return
    const previous = { ...health }
    health.observed = observed
    health.effective = effective
    health.drained = drained
    health.source = 'checker'
    this.notify(memberId, health, previous)
  }

  private notify(memberId: string, health: MemberHealth, previous: MemberHealth): void {
    if (
      previous.observed === health.observed &&
      previous.effective === health.effective &&
      previous.drained === health.drained
    ) {
      return
    }
    this.onChange(memberId, health, previous)
  }

  private guard<T>(target: string, action: 'register' | 'remove', run: () => T): T | undefined {
    try {
      return run()
    } catch (error) {
      this.onTargetError(target, action, error)
      return undefined
    }
  }
}

const RANK: Record<ObservedHealth, number> = { up: 0, unknown: 1, down: 2 }

function worse(a: ObservedHealth, b: ObservedHealth): ObservedHealth {
  return RANK[b] > RANK[a] ? b : a
}

/** Deep equality for target specs (functions and RegExps by identity/source, bytes by content). */
export function sameTarget(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof RegExp && b instanceof RegExp) return String(a) === String(b)
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b))
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  if (keysA.length !== keysB.length) return false
  for (const key of keysA) {
    if (!sameTarget((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false
  }
  return true
}
