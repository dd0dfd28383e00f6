import { createHealthChecker } from '@gslb/health'
import { engineConfig, forwarderServices } from '../src/config/library-options.js'
import { validateConfig } from '../src/config/validate.js'
import { issuesOf, type Json, seed } from './helpers.js'

/**
 * What the libraries refuse once the node runs must be refused by `validate` first, at the path the author wrote.
 * Each case is a config edit the health checker (through the engine's pools and the forwarder's services) rejects.
 */
/** A monitor of its own, checked on the GSLB pool's members. */
const poolMonitor = (c: Json, monitor: Json) => {
  c.monitors.probe = monitor
  c.gslb.pools.dicom.monitor = 'probe'
}

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
  // @gslb/health's validateTarget, for what the schema lets through
  {
    name: 'health: a monitor interval above an hour',
    edit: (c) => (c.monitors['dicom-echo'].interval = '2h'),
    path: 'monitors.dicom-echo.interval',
    message: /must be an integer from 10 to 3600000 \(got 7200000\)/,
  },
  {
    name: 'health: a monitor timeout of 0',
    edit: (c) => (c.monitors['dicom-echo'].timeout = 0),
    path: 'monitors.dicom-echo.timeout',
    message: /must be an integer from 1 to/,
  },
  {
    name: 'health: an AE title of spaces only',
    edit: (c) => (c.monitors['dicom-echo'].callingAE = '   '),
    path: 'monitors.dicom-echo.callingAE',
    message: /must be 1–16 printable ASCII characters/,
  },
  {
    name: 'health: an AE title that is not ASCII',
    edit: (c) => (c.monitors['dicom-echo'].calledAE = 'ÉCHO'),
    path: 'monitors.dicom-echo.calledAE',
    message: /must be 1–16 printable ASCII characters/,
  },
  {
    name: 'health: an HTTP path with a space',
    edit: (c) => poolMonitor(c, { type: 'http', path: '/a b' }),
    path: 'monitors.probe.path',
    message: /must start with '\/' and hold no spaces or control characters/,
  },
  {
    name: 'health: an HTTP host name that is no DNS name',
    edit: (c) => poolMonitor(c, { type: 'http', hostname: 'bad host' }),
    path: 'monitors.probe.hostname',
    message: /must be a DNS name or an IP address/,
  },
  {
    name: 'health: a DNS monitor asking for a wildcard',
    edit: (c) => poolMonitor(c, { type: 'dns', name: '*.example.org' }),
    path: 'monitors.probe.name',
    message: /must be a DNS name/,
  },
  {
    name: 'health: a DNS monitor expecting an IPv6 address of an A query',
    edit: (c) => poolMonitor(c, { type: 'dns', name: 'pacs.example.org', expectAddress: '::1' }),
    path: 'monitors.probe.expectAddress',
    message: /is not of the family asked for by rrtype/,
  },
  {
    name: 'health: a TCP send text above 4096 bytes (in fewer characters)',
    edit: (c) => poolMonitor(c, { type: 'tcp', send: 'é'.repeat(3000) }),
    path: 'monitors.probe.send',
    message: /at most 4096 bytes/,
  },
  {
    name: 'health: an external command with a NUL byte',
    edit: (c) => poolMonitor(c, { type: 'external', command: ['/bin/true\u0000'] }),
    path: 'monitors.probe.command',
    message: /must not contain NUL bytes/,
  },
  {
    name: "health: an external command's argument with a NUL byte, at its place in command",
    edit: (c) => poolMonitor(c, { type: 'external', command: ['/bin/true', '-v', 'a\u0000b'] }),
    path: 'monitors.probe.command[2]',
    message: /must be a string without NUL bytes/,
  },
  // @gslb/resolver's validateResolverOptions
  {
    name: 'resolver: an interval above a day',
    edit: (c) => (c.resolvers['local-first'].interval = '25h'),
    path: 'resolvers.local-first.interval',
    message: /^expected milliseconds between 10 and 86400000, got 90000000$/,
  },
  {
    name: 'resolver: a timeout above a minute',
    edit: (c) => (c.resolvers['local-first'].timeout = '2m'),
    path: 'resolvers.local-first.timeout',
    message: /^expected milliseconds between 1 and 60000, got 120000$/,
  },
  {
    name: 'resolver: last good addresses kept beyond 30 days',
    edit: (c) => (c.resolvers['local-first'].lastGoodMaxAge = '721h'),
    path: 'resolvers.local-first.lastGoodMaxAge',
    message: /^expected milliseconds between 0 and 2592000000/,
  },
  // @gslb/forwarder's validateForwarderOptions, at the service keys of the file
  {
    name: 'forwarder: a server address that is no IP address',
    edit: (c) => (c.services.DICOM_CLUSTER_A.backends[0].address = '10.1.1.300'),
    path: 'services.DICOM_CLUSTER_A.backends[0].address',
    message: /expected an IP address/,
  },
  {
    name: 'forwarder: a backend name that is no DNS name',
    edit: (c) => (c.services.DICOM_DNS_PROXY.backends[0].name = '*.mysite.com'),
    path: 'services.DICOM_DNS_PROXY.backends[0].name',
    message: /expected a DNS name/,
  },
  {
    name: 'forwarder: an allowed subnet with a prefix too long',
    edit: (c) => (c.services.DICOM_DNS_PROXY.allow = ['10.0.0.0/33']),
    path: 'services.DICOM_DNS_PROXY.allow[0]',
    message: /prefix out of range/,
  },
  {
    name: 'forwarder: a connect timeout of 0',
    edit: (c) => (c.services.DICOM_DNS_PROXY.limits.connectTimeout = 0),
    path: 'services.DICOM_DNS_PROXY.limits.connectTimeout',
    message: /expected an integer from 1 to 600000, got 0/,
  },
  {
    name: 'forwarder: a first-response timeout above 10 minutes',
    edit: (c) => (c.services.DICOM_DNS_PROXY.limits.firstResponseTimeout = '11m'),
    path: 'services.DICOM_DNS_PROXY.limits.firstResponseTimeout',
    message: /expected an integer from 0 to 600000/,
  },
  {
    name: 'forwarder: an idle timeout above a day',
    edit: (c) => (c.services.DICOM_DNS_PROXY.limits.idleTimeout = '25h'),
    path: 'services.DICOM_DNS_PROXY.limits.idleTimeout',
    message: /expected an integer from 0 to 86400000/,
  },
  {
    name: 'forwarder: a FIN timeout of 0',
    edit: (c) => (c.services.DICOM_DNS_PROXY.limits.finTimeout = 0),
    path: 'services.DICOM_DNS_PROXY.limits.finTimeout',
    message: /expected an integer from 1 to/,
  },
  {
    name: 'forwarder: a keepalive delay above a day',
    edit: (c) => (c.services.DICOM_DNS_PROXY.limits.keepAlive = '25h'),
    path: 'services.DICOM_DNS_PROXY.limits.keepAlive',
    message: /expected an integer from 0 to 86400000/,
  },
  {
    name: 'forwarder: a passive hold above a day',
    edit: (c) => (c.services.DICOM_DNS_PROXY.passive = { hold: '25h' }),
    path: 'services.DICOM_DNS_PROXY.passive.hold',
    message: /expected an integer from 0 to 86400000/,
  },
  // @gslb/engine's validateEngineConfig, beyond the records above
  {
    name: 'engine: more answers via a resolver than maxAnswers',
    edit: (c) => (c.gslb.pools.dicom.maxAnswersViaResolver = 3),
    path: 'gslb.pools.dicom.maxAnswersViaResolver',
    message: /is 3, more than maxAnswers \(2\)/,
  },
  {
    name: 'engine: answers via a resolver set on a pool that is not topology',
    edit: (c) => {
      c.gslb.pools.dicom.method = 'failover'
      c.gslb.pools.dicom.maxAnswersViaResolver = 1
    },
    path: 'gslb.pools.dicom.maxAnswersViaResolver',
    message: /applies to topology pools only/,
  },
  {
    name: 'engine: a TXT record above 4000 bytes',
    edit: (c) => (c.gslb.zones[0].records = [{ name: 'x', type: 'TXT', value: 'a'.repeat(4001) }]),
    path: 'gslb.zones[0].records[0].value',
    message: /is longer than 4000 bytes/,
  },
  {
    name: 'engine: an SOA mailbox with a dot before the @',
    edit: (c) => (c.gslb.zones[0].soa.rname = 'host.master@mysite.com'),
    path: 'gslb.zones[0].soa.rname',
    message: /the mailbox part must be one label without dots/,
  },
  {
    name: 'engine: static addresses at a global name',
    edit: (c) => (c.gslb.zones[0].records = [{ name: '@', type: 'A', value: '192.0.2.1' }]),
    path: 'gslb.names[0]',
    message: /already has static A\/AAAA records/,
  },
  {
    name: "engine: a pool's port 0 under its monitor (the monitor's own port stands in only when the pool sets none)",
    edit: (c) => (c.gslb.pools.dicom.port = 0),
    path: 'gslb.pools.dicom.port',
    message: /must be an integer from 1 to 65535, got 0/,
  },
  {
    name: 'engine: a fallback address that is no IP address',
    edit: (c) => (c.gslb.pools.dicom.allDown = ['10.0.0.300']),
    path: 'gslb.pools.dicom.allDown[0]',
    message: /is not an IPv4 or IPv6 address/,
  },
  {
    name: 'engine: a trusted ECS sender subnet with a prefix too long',
    edit: (c) => (c.gslb.ecs.trusted = ['10.0.0.0/33']),
    path: 'gslb.ecs.trusted[0]',
    message: /prefix length 33 is out of range 0-32/,
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
