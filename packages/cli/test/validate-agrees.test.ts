import { createHealthChecker } from '@gslb/health'
import { engineConfig, forwarderServices } from '../src/config/library-options.js'
import { validateConfig } from '../src/config/validate.js'
import { issuesOf, type Json, seed } from './helpers.js'

/**
 * What the libraries refuse once the node runs must be refused by `validate` first, at the path the author wrote.
 * Each case is a config edit the health checker (through the engine's pools and the forwarder's services) rejects.
 */
const REFUSED_BY_THE_LIBRARIES: { name: string; edit: (c: Json) => void; path: string; message: RegExp }[] = [
  {
    name: 'monitor timeout above its interval',
    edit: (c) => (c.monitors['dicom-echo'].timeout = '3s'),
    path: 'monitors.dicom-echo.timeout',
    message: /must be below the interval \(3000 ≥ 2000\)/,
  },
  {
    name: 'monitor timeout equal to its interval',
    edit: (c) => (c.monitors['tcp-connect'] = { type: 'tcp', interval: '2s', timeout: '2s' }),
    path: 'monitors.tcp-connect.timeout',
    message: /must be below the interval/,
  },
  {
    name: 'health.defaults.timeout above the profile interval',
    edit: (c) => (c.health.defaults = { timeout: '5s' }),
    path: 'health.defaults.timeout',
    message: /must be below the interval \(5000 ≥ 1000\)/,
  },
  {
    name: 'engine: a CNAME beside other data at its name',
    edit: (c) =>
      (c.gslb.zones[0].records = [
        { name: 'x', type: 'A', value: '192.0.2.1' },
        { name: 'x', type: 'CNAME', value: 'y.example.org' },
      ]),
    path: 'gslb.zones[0].records[1]',
    message: /has other data; a CNAME must be alone at its name/,
  },
  {
    name: 'engine: an A record with an IPv6 address',
    edit: (c) => (c.gslb.zones[0].records = [{ name: 'x', type: 'A', value: '::1' }]),
    path: 'gslb.zones[0].records[0].value',
    message: /is an IPv6 address; an A record needs IPv4/,
  },
  {
    name: 'resolver: a nameserver listed twice',
    edit: (c) => (c.resolvers['local-first'].nameservers = ['10.0.0.2', '10.0.0.2:53']),
    path: 'resolvers.local-first.nameservers[1]',
    message: /^10\.0\.0\.2:53 is listed twice$/,
  },
  {
    name: 'resolver: an interval below what the resolver takes',
    edit: (c) => (c.resolvers['local-first'].interval = '1ms'),
    path: 'resolvers.local-first.interval',
    message: /^expected milliseconds between 10 and \d+, got 1$/,
  },
]

/** Registers every health target the engine and the forwarder would register at start; throws what health throws. */
function registerAsRunWould(config: ReturnType<typeof validateConfig>): void {
  const health = createHealthChecker()
  try {
    for (const [pool, spec] of Object.entries(engineConfig(config).pools ?? {})) {
      for (const monitor of spec.monitors ?? []) {
        for (const member of spec.members)
          health.add({ id: `${pool}/${member.name}`, address: member.address, ...monitor })
      }
    }
    for (const service of forwarderServices(config)) {
      if (!service.check) continue
      for (const [i, backend] of service.backends.entries()) {
        health.add({
          ...service.check,
          id: `${service.name}/${i}`,
          address: 'address' in backend ? backend.address : '127.0.0.1',
          port: backend.port,
        })
      }
    }
  } finally {
    health.destroy()
  }
}

describe('validate refuses what the libraries would refuse at run', () => {
  for (const { name, edit, path, message } of REFUSED_BY_THE_LIBRARIES) {
    test(name, () => {
      const config = seed() as Json
      edit(config)
      const issues = issuesOf(() => validateConfig(config))
      expect(issues).toEqual([{ path, message: expect.stringMatching(message) }])
    })
  }

  test('the problems of several libraries are reported at once', () => {
    const config = seed() as Json
    config.gslb.zones[0].records = [{ name: 'x', type: 'A', value: '::1' }]
    config.resolvers['local-first'].interval = '1ms'
    const issues = issuesOf(() => validateConfig(config))
    expect(issues.map((issue) => issue.path)).toEqual([
      'gslb.zones[0].records[0].value',
      'resolvers.local-first.interval',
    ])
  })

  test('and what it accepts, the libraries accept too (an inherited timeout is fitted to a short interval)', () => {
    const config = seed() as Json
    config.health = { profile: 'normal' } // timeout 1s
    config.monitors['tcp-connect'].interval = '600ms'
    expect(() => registerAsRunWould(validateConfig(config))).not.toThrow()
    // a service's checks are health targets: the forwarder takes what @gslb/health takes (10 ms, timeout fitted to 9)
    config.monitors['tcp-connect'].interval = '10ms'
    expect(() => registerAsRunWould(validateConfig(config))).not.toThrow()
    expect(() => registerAsRunWould(validateConfig(seed()))).not.toThrow()
  })
})
