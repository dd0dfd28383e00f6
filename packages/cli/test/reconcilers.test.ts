import type { Config } from '../src/config/types.js'
import { createLogger } from '../src/log.js'
import {
  adminReconciler,
  fleetReconciler,
  listenReconciler,
  loggingReconciler,
  type Reconciler,
  reconcile,
  unlistedChanges,
} from '../src/node/reconcilers.js'

const config = (extra: Partial<Config> = {}): Config => ({ node: { name: 'n1' }, ...extra }) as Config

test('reconcile() applies only what changed, in order, and keeps the lines of those done when one throws', async () => {
  const applied: string[] = []
  const step = (name: string, changed: boolean, fail = false): Reconciler => ({
    changed: () => changed,
    apply: async () => {
      applied.push(name)
      if (fail) throw new Error(`${name} refused`)
      return [`${name}: updated`]
    },
  })
  const changes: string[] = []
  await expect(
    reconcile(
      [step('a', true), step('b', false), step('c', true, true), step('d', true)],
      config(),
      config(),
      changes,
    ),
  ).rejects.toThrow('c refused')
  expect(applied).toEqual(['a', 'c'])
  expect(changes).toEqual(['a: updated'])
})

test('listen: a file that differs from what is bound says so; a file put back says no restart is needed', () => {
  const bound = { gslb: [{ address: '127.0.0.1', port: 53 }], admin: undefined }
  const listen = listenReconciler(() => bound)
  const running = config({ gslb: { listen: bound.gslb } as Config['gslb'] })
  const moved = config({ gslb: { listen: [{ address: '127.0.0.1', port: 5353 }] } as Config['gslb'] })
  expect(listen.changed(running, running)).toBe(false)
  expect(listen.apply(moved, running)).toEqual([
    'gslb.listen: changed in the file; the engine keeps its listeners until a restart',
  ])
  expect(listen.apply(running, moved)).toEqual(['gslb.listen: back to what is listening (no restart needed)'])
})

test('logging: the level applies at once, the format waits for a restart', () => {
  const logger = createLogger({ level: 'silent' })
  const logging = loggingReconciler(logger)
  const before = config({ logging: { level: 'silent', format: 'json' } })
  const after = config({ logging: { level: 'warn', format: 'pretty' } })
  expect(logging.changed(before, after)).toBe(true)
  expect(logging.apply(after, before)).toEqual([
    'logging.format: changed in the file; takes effect at the next restart',
    'logging.level: warn',
  ])
  expect(logger.level).toBe('warn')
})

test('admin token and fleet fingerprint: report-only lines', () => {
  const before = config({ admin: { token: 'a' } as Config['admin'] })
  const after = config({ admin: { token: 'b' } as Config['admin'] })
  expect(adminReconciler.changed(before, after)).toBe(true)
  expect(adminReconciler.apply(after, before)).toEqual(['admin: token changed'])
  expect(fleetReconciler.changed(before, after)).toBe(false)
})

test('unlistedChanges: a changed section no component line speaks for gets its own line', () => {
  const before = config({ monitors: {} })
  const after = config({ monitors: { echo: { type: 'tcp' } } as unknown as Config['monitors'] })
  expect(unlistedChanges(before, after, [])).toEqual(['monitors: updated'])
  expect(unlistedChanges(config(), config({ node: { name: 'n2' } }), ['node: updated'])).toEqual([])
})
