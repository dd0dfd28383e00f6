import { createResolver } from '@gslb/resolver'
import { resolverOptions } from '../src/config/library-options.js'
import { libraryIssues } from '../src/config/library-rules.js'
import type { Config } from '../src/config/types.js'

// The config file keeps its resolver keys (interval, timeout, lastGoodMaxAge, in ms once parsed); @gslb/resolver
// names its durations with their unit (intervalMs, timeoutMs, lastGoodMaxAgeMs). The translation and the paths of
// the resolver's refusals must both follow the file's names.

const resolvers = (settings: Record<string, unknown>) =>
  ({ resolvers: { local: { nameservers: ['10.0.0.2'], ...settings } } }) as unknown as Config

test("the file's resolver settings become the resolver's …Ms options, which it accepts", () => {
  const config = resolvers({ interval: 2_000, timeout: 300, lastGoodMaxAge: 3_600_000, failThreshold: 4 })
  const options = resolverOptions(config.resolvers!.local!, undefined)
  expect(options).toEqual({
    nameservers: ['10.0.0.2'],
    intervalMs: 2_000,
    timeoutMs: 300,
    lastGoodMaxAgeMs: 3_600_000,
    failThreshold: 4,
  })
  expect(() => createResolver(options).destroy()).not.toThrow()
})

test("the resolver's refusals are reported at the file's keys, not at the option names", () => {
  const config = resolvers({ interval: 1, timeout: 0, lastGoodMaxAge: 31 * 86_400_000 })
  expect(libraryIssues(config).map((issue) => issue.path)).toEqual([
    'resolvers.local.interval',
    'resolvers.local.timeout',
    'resolvers.local.lastGoodMaxAge',
  ])
})
