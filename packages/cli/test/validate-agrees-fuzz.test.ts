import { createEngine } from '@gslb/engine'
import { createForwarder } from '@gslb/forwarder'
import { createHealthChecker } from '@gslb/health'
import { createResolver } from '@gslb/resolver'
import { prng } from '../../../test/support/prng.js'
import {
  engineConfig,
  forwarderServices,
  nameRoutes,
  resolverOptions,
} from '../src/config/library-options.js'
import type { Config } from '../src/config/types.js'
import { validateConfig } from '../src/config/validate.js'
import { ConfigError } from '../src/errors.js'
import { ResolverSet } from '../src/node/address-sources.js'
import { type Json, seed } from './helpers.js'

// `validate` and `run` can never disagree: whatever validateConfig accepts, the libraries' own factories accept as
// `run` calls them (createEngine with the health checker, createResolver, createForwarder), for configs edited at
// random with values near every library's limits. The cases validate-agrees.test.ts lists are the known rules; this
// finds the ones nobody listed.

/** Builds every component of the node as `run` does, without binding or scheduling anything; throws what they throw. */
async function buildAsRunWould(config: Config): Promise<void> {
  const health = createHealthChecker()
  const closers: (() => Promise<void>)[] = []
  try {
    if (config.gslb) {
      const engine = createEngine({ config: engineConfig(config), health })
      closers.push(() => engine.close())
    }
    const engineAddress = config.gslb?.listen[0] ?? { address: '127.0.0.1', port: 53 }
    for (const resolver of Object.values(config.resolvers ?? {})) {
      const built = createResolver(resolverOptions(resolver, engineAddress))
      closers.push(() => built.close())
    }
    const addressSource = new ResolverSet()
    addressSource.setRoutes(nameRoutes(config))
    const forwarder = createForwarder({ services: forwarderServices(config), addressSource, health })
    closers.push(() => forwarder.close())
  } finally {
    for (const close of closers) await close()
  }
}

const DURATIONS = [
  '0',
  0,
  '1ms',
  '9ms',
  '10ms',
  '999ms',
  '1s',
  '2s',
  '59s',
  '1m',
  '10m',
  '11m',
  '61m',
  '25h',
  '721h',
]
const NUMBERS = [0, 1, 2, 3, 8, 9, 16, 17, 64, 65, 100, 101, 256, 257, 1000, 65535, 600000, 86400001]
const TEXTS = [
  '   ',
  'ÉCHO',
  '*.mysite.com',
  'ns1.other.org',
  'x.other.org.',
  'host.master@mysite.com',
  '/a b',
  '10.0.0.0/33',
  '10.1.0.0/16',
  '::1',
  '0.0.0.0',
  '192.0.2.300',
  'a\u0000b',
  'é'.repeat(3000),
]
const DURATION_KEYS = new Set([
  'interval',
  'timeout',
  'drainTimeout',
  'stopGrace',
  'lastGoodMaxAge',
  'connectTimeout',
  'firstResponseTimeout',
  'idleTimeout',
  'finTimeout',
  'keepAlive',
  'hold',
])

/** Extra parts the seed lacks, so that their rules are reached too. */
const ADDITIONS: ((c: Json) => void)[] = [
  (c) => (c.monitors['tcp-connect'].interval = '1s'),
  (c) => (c.health.defaults = { timeout: '400ms', rise: 1 }),
  (c) => (c.gslb.pools.dicom.maxAnswersViaResolver = 1),
  (c) => (c.gslb.zones[0].records = [{ name: 'www', type: 'A', value: ['192.0.2.1', '192.0.2.2'] }]),
  (c) => (c.gslb.zones[0].records = [{ name: 'x', type: 'CNAME', value: 'y.mysite.com' }]),
  (c) => (c.gslb.zones[0].nameservers[0] = { name: 'ns1.dicom.mysite.com', addresses: ['192.0.2.53'] }),
  (c) => (c.services.DICOM_DNS_PROXY.passive = { failures: 2, hold: '10s' }),
  (c) => (c.services.DICOM_DNS_PROXY.allow = ['10.0.0.0/8']),
  (c) => (c.topology.datacenters.A.resolvers = ['10.9.0.53']),
  (c) => {
    c.monitors.web = { type: 'http', path: '/health', hostname: 'pacs.mysite.com', expectStatus: [200] }
    c.gslb.pools.dicom.monitor = 'web'
  },
  (c) => {
    c.monitors.dns = { type: 'dns', name: 'dicom.mysite.com', expectAddress: '10.1.0.100' }
    c.gslb.pools.dicom.monitor = 'dns'
  },
  (c) => {
    c.monitors.ext = { type: 'external', command: ['/bin/true', '-v'] }
    c.gslb.pools.dicom.monitor = 'ext'
  },
]

type Path = (string | number)[]

function leaves(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$comment' || key === '$schema') continue
      leaves(child, [...prefix, Array.isArray(value) ? Number(key) : key], out)
    }
  } else out.push(prefix)
  return out
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T
}

/** One edit that keeps the value's kind (a duration stays a duration), so that the schema passes it more often. */
function mutate(config: Json, random: () => number, strings: string[]): void {
  if (random() < 0.25) {
    pick(random, ADDITIONS)(config)
    return
  }
  const path = pick(random, leaves(config))
  let parent: Json = config
  for (const key of path.slice(0, -1)) parent = parent[key as string]
  const key = path.at(-1) as string
  const current = parent[key]
  const siblings: unknown = parent
  if (Array.isArray(siblings) && random() < 0.2) {
    siblings.push(current) // the same entry twice
    return
  }
  if (DURATION_KEYS.has(String(key))) parent[key] = pick(random, DURATIONS)
  else if (typeof current === 'number') parent[key] = pick(random, NUMBERS)
  else if (typeof current === 'boolean') parent[key] = !current
  else parent[key] = random() < 0.5 ? pick(random, TEXTS) : pick(random, strings)
}

test('what validate accepts, the libraries accept as run builds them (400 configs edited near the limits)', async () => {
  const random = prng(20261206)
  const strings = leaves(seed())
    .map((path) => path.reduce<unknown>((value, key) => (value as Json)[key as string], seed()))
    .filter((value): value is string => typeof value === 'string')
  let accepted = 0
  let refused = 0
  for (let i = 0; i < 400; i++) {
    const raw = seed() as Json
    const edits = 1 + Math.floor(random() * 3)
    for (let e = 0; e < edits; e++) mutate(raw, random, strings)
    const text = JSON.stringify(raw)
    let config: Config
    try {
      config = validateConfig(raw)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw new Error(`config ${i}: ${(error as Error).stack}\n${text}`)
      refused++
      continue
    }
    accepted++
    await expect(
      buildAsRunWould(config).catch((error: Error) =>
        Promise.reject(new Error(`config ${i}, accepted by validate: ${error.message}\n${text}`)),
      ),
    ).resolves.toBeUndefined()
  }
  // Both sides are exercised: the edits reach the libraries' limits and also leave valid configs.
  expect(accepted).toBeGreaterThan(50)
  expect(refused).toBeGreaterThan(100)
})
