import { createTopology, parseAddress, type TopologyError, type TopologyOptions } from '@gslb/topology'

function errorOf(options: unknown): TopologyError {
  try {
    createTopology(options as TopologyOptions)
  } catch (error) {
    return error as TopologyError
  }
  throw new Error('options were accepted')
}

const example = createTopology({
  datacenters: {
    siteA: ['10.1.0.0/16', '10.1.5.0/24'],
    siteB: ['10.2.0.0/16', '2001:db8:2::/48', '10.1.5.128/25'],
    siteC: ['::ffff:192.168.0.0/112'],
    siteD: [],
  },
  preferences: { siteA: ['siteB'], siteC: ['siteD', 'siteA'] },
})

describe('lookup', () => {
  it.each([
    ['10.1.2.3', 'siteA'],
    ['10.1.5.3', 'siteA'],
    ['10.1.5.200', 'siteB'],
    ['10.2.255.255', 'siteB'],
    ['10.3.0.1', undefined],
    ['::ffff:10.1.2.3', 'siteA'],
    ['::ffff:a01:203', 'siteA'],
    ['::10.1.2.3', undefined],
    ['2001:db8:2:ffff::1', 'siteB'],
    ['2001:db8:3::1', undefined],
    ['192.168.7.7', 'siteC'],
    ['::ffff:192.168.7.7', 'siteC'],
  ])('%s → %s', (address, datacenter) => {
    expect(example.lookup(address)).toBe(datacenter)
    expect(example.lookup(parseAddress(address).bytes)).toBe(datacenter)
  })

  it('looks up IPv4 held as an integer', () => {
    expect(example.lookupUint32(0x0a010203)).toBe('siteA')
    expect(example.lookupUint32(0x0a030001)).toBeUndefined()
    // regression: these were coerced (NaN → 0.0.0.0, -1 → 255.255.255.255) and answered
    for (const bad of [-1, Number.NaN, 2 ** 32, 1.5, Number.POSITIVE_INFINITY, '10.1.2.3']) {
      expect(() => example.lookupUint32(bad as number)).toThrow(
        expect.objectContaining({ code: 'GSLB_TOPOLOGY_INVALID_ADDRESS' }),
      )
    }
  })

  it('reports the matched prefix as shared frozen objects; mapped prefixes in IPv4 form', () => {
    const match = example.match('10.1.5.200')
    expect(match).toEqual({ datacenter: 'siteB', cidr: '10.1.5.128/25', family: 4, prefixLength: 25 })
    expect(Object.isFrozen(match)).toBe(true)
    expect(example.match('10.1.5.201')).toBe(match)
    expect(example.match('192.168.1.1')).toEqual({
      datacenter: 'siteC',
      cidr: '192.168.0.0/16',
      family: 4,
      prefixLength: 16,
    })
    expect(example.match('2001:db8:2::1')?.cidr).toBe('2001:db8:2::/48')
    expect(example.match('172.16.0.1')).toBeUndefined()
  })

  it('rejects bad addresses with the precise reason', () => {
    expect(() => example.lookup('010.1.2.3')).toThrow(
      expect.objectContaining({
        code: 'GSLB_TOPOLOGY_INVALID_ADDRESS',
        message: "'010.1.2.3': part 1 '010' has a leading zero",
      }),
    )
    expect(() => example.lookup('fe80::1%eth0')).toThrow('zone identifiers (%zone) are not supported')
    expect(() => example.lookup('')).toThrow('address is empty')
    expect(() => example.lookup(`${'1:'.repeat(40)}`)).toThrow('longer than 64 characters')
    expect(() => example.lookup(new Uint8Array(5))).toThrow(
      expect.objectContaining({ code: 'GSLB_TOPOLOGY_INVALID_ADDRESS' }),
    )
    expect(() => example.lookup(17 as unknown as string)).toThrow(
      'address must be a string or a Uint8Array, got number',
    )
    expect(() => example.match(null as unknown as string)).toThrow('got null')
  })

  it('accepts bare addresses, /0 and host prefixes, and normalises host bits', () => {
    const topology = createTopology({
      datacenters: {
        host: ['10.9.9.9', '2001:db8::9'],
        any: ['0.0.0.0/0'],
        net: ['10.9.9.200/24', '10.1.2.3/8'],
      },
    })
    expect(topology.match('10.9.9.9')).toMatchObject({ datacenter: 'host', cidr: '10.9.9.9/32' })
    expect(topology.match('10.9.9.8')).toMatchObject({ datacenter: 'net', cidr: '10.9.9.0/24' })
    expect(topology.match('10.200.0.1')).toMatchObject({ datacenter: 'net', cidr: '10.0.0.0/8' })
    expect(topology.match('11.0.0.1')).toMatchObject({ datacenter: 'any', cidr: '0.0.0.0/0' })
    expect(topology.match('2001:db8::9')).toMatchObject({ datacenter: 'host', cidr: '2001:db8::9/128' })
  })

  it.each([
    ['10.0.0.0/08', "prefix length '08' has a leading zero"],
    ['10.0.0.0/3x', "prefix length '3x' is not a decimal number"],
    ['10.0.0.0/100', 'prefix length 100 is out of range 0-32'],
    ['10.0.0.0/', 'prefix length is empty'],
    ['10.0.0.0/ 8', "prefix length ' 8' is not a decimal number"],
  ])('rejects %j in a configuration like parseCidr does', (cidr, reason) => {
    expect(() => createTopology({ datacenters: { a: [cidr] } })).toThrow(
      expect.objectContaining({ code: 'GSLB_TOPOLOGY_INVALID_CIDR', reason, path: 'datacenters.a[0]' }),
    )
  })

  it('an empty topology matches nothing', () => {
    const empty = createTopology({ datacenters: {} })
    expect(empty.lookup('10.0.0.1')).toBeUndefined()
    expect(empty.lookup('::1')).toBeUndefined()
    expect(empty.lookupSubnet(4, Uint8Array.of(10), 8)).toEqual({
      datacenter: undefined,
      match: undefined,
      scopePrefixLength: 0,
    })
    expect(empty.datacenters).toEqual([])
    expect(empty.prefixCount).toBe(0)
  })

  it('IPv6 prefixes covering ::ffff:0:0/96 are the fallback for IPv4 clients', () => {
    const topology = createTopology({ datacenters: { v6default: ['::/0'], lan: ['10.0.0.0/8'] } })
    expect(topology.lookup('10.9.9.9')).toBe('lan')
    expect(topology.lookup('192.0.2.1')).toBe('v6default')
    expect(topology.match('192.0.2.1')?.cidr).toBe('::/0')
    expect(topology.lookup('2001:db8::1')).toBe('v6default')
  })

  it('0.0.0.0/0 is the default for IPv4 only', () => {
    const topology = createTopology({ datacenters: { anyV4: ['0.0.0.0/0'] } })
    expect(topology.lookup('203.0.113.9')).toBe('anyV4')
    expect(topology.lookup('::ffff:203.0.113.9')).toBe('anyV4')
    expect(topology.lookup('2001:db8::1')).toBeUndefined()
  })
})

describe('lookupSubnet (EDNS Client Subnet scope, RFC 7871 §7.2.1)', () => {
  const topology = createTopology({
    datacenters: {
      siteA: ['10.1.0.0/16'],
      siteB: ['10.2.0.0/16', '10.2.5.0/24', '2001:db8:2::/48'],
      siteC: ['10.2.5.128/25'],
    },
  })
  const ecs = (family: 4 | 6, address: string, source: number) => {
    const { datacenter, scopePrefixLength } = topology.lookupSubnet(
      family,
      parseAddress(address).bytes,
      source,
    )
    return [datacenter, scopePrefixLength]
  }

  it('client /24 inside a config /16 with nothing else in it → that datacenter, scope 16', () => {
    expect(ecs(4, '10.1.7.0', 24)).toEqual(['siteA', 16])
    expect(ecs(4, '10.1.0.0', 16)).toEqual(['siteA', 16])
    expect(ecs(4, '10.1.7.9', 32)).toEqual(['siteA', 16])
  })

  it('a more specific prefix elsewhere in the /16 narrows the scope to keep it out', () => {
    // 10.2.7.0 and 10.2.5.0 first differ at bit 22, so the answer holds for 10.2.6.0/23 only.
    expect(ecs(4, '10.2.7.0', 24)).toEqual(['siteB', 23])
    expect(ecs(4, '10.2.128.0', 24)).toEqual(['siteB', 17])
  })

  it('client subnet split by more specific prefixes → scope longer than source', () => {
    // 10.2.0.0/16 holds 10.2.5.0/24: ask again with /24 to be told apart.
    expect(ecs(4, '10.2.0.0', 16)).toEqual(['siteB', 24])
    // 10.2.5.0/24 holds 10.2.5.128/25.
    expect(ecs(4, '10.2.5.0', 24)).toEqual(['siteB', 25])
    expect(ecs(4, '10.2.5.128', 25)).toEqual(['siteC', 25])
    expect(ecs(4, '10.2.5.0', 25)).toEqual(['siteB', 25])
    // Nothing contains 10.0.0.0/8 as a whole; the shortest prefix inside it is a /16.
    expect(ecs(4, '10.0.0.0', 8)).toEqual([undefined, 16])
  })

  it('no match → the widest scope that holds no configured prefix', () => {
    expect(ecs(4, '192.168.1.0', 24)).toEqual([undefined, 1])
    // 10.4 and 10.1/10.2 first differ at bit 13: nothing configured in 10.4.0.0/14.
    expect(ecs(4, '10.4.0.0', 24)).toEqual([undefined, 14])
    expect(ecs(4, '10.3.0.0', 24)).toEqual([undefined, 16])
    expect(ecs(6, '2001:db8:4::', 56)).toEqual([undefined, 46])
  })

  it('source 0 (client opted out) is answered for the whole family', () => {
    expect(ecs(4, '0.0.0.0', 0)).toEqual([undefined, 16])
  })

  it('IPv6 and IPv4-mapped IPv6 subnets', () => {
    expect(ecs(6, '2001:db8:2:100::', 56)).toEqual(['siteB', 48])
    expect(ecs(6, '::ffff:10.1.7.0', 120)).toEqual(['siteA', 112])
    expect(ecs(6, '::ffff:10.2.0.0', 112)).toEqual(['siteB', 120])
    // ::/64 contains all of IPv4 space: the answer is split at /104 and beyond (10.1.0.0/16 = /112).
    expect(ecs(6, '::', 64)).toEqual([undefined, 112])
  })

  it('takes a truncated ECS address and ignores bits after the source length', () => {
    expect(topology.lookupSubnet(4, Uint8Array.of(10, 1), 16).datacenter).toBe('siteA')
    expect(topology.lookupSubnet(4, Uint8Array.of(10, 1, 255, 255), 16).scopePrefixLength).toBe(16)
    expect(topology.lookupSubnet(6, Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 2), 48).datacenter).toBe('siteB')
    expect(topology.lookupSubnet(4, new Uint8Array(0), 0).scopePrefixLength).toBe(16)
  })

  it.each([
    [5, new Uint8Array(4), 24, 'family: must be 4 or 6, got 5'],
    [4, new Uint8Array(4), 33, 'sourcePrefixLength: must be an integer 0-32, got 33'],
    [6, new Uint8Array(16), 129, 'sourcePrefixLength: must be an integer 0-128, got 129'],
    [4, new Uint8Array(4), -1, 'sourcePrefixLength: must be an integer 0-32, got -1'],
    [4, new Uint8Array(4), 1.5, 'sourcePrefixLength: must be an integer 0-32, got 1.5'],
    [4, new Uint8Array(16), 24, 'address: must be a Uint8Array of at most 4 bytes for IPv4, got 16 bytes'],
    [4, 'x', 24, 'address: must be a Uint8Array of at most 4 bytes for IPv4, got string'],
    [4, new Uint8Array(2), 24, 'address: holds 2 bytes but source prefix length 24 needs 3'],
  ])('rejects family %s, %p, /%s', (family, address, source, message) => {
    expect(() => topology.lookupSubnet(family as 4, address as Uint8Array, source)).toThrow(
      expect.objectContaining({ code: 'GSLB_TOPOLOGY_OPTIONS_INVALID', message }),
    )
  })
})

describe('site preference', () => {
  it('own datacenter first, then its configured fallbacks, then the rest in configuration order', () => {
    expect(example.preferenceList('siteA')).toEqual(['siteA', 'siteB', 'siteC', 'siteD'])
    expect(example.preferenceList('siteC')).toEqual(['siteC', 'siteD', 'siteA', 'siteB'])
    expect(example.preferenceList('siteB')).toEqual(['siteB', 'siteA', 'siteC', 'siteD'])
    expect(example.preferenceList(undefined)).toEqual(['siteA', 'siteB', 'siteC', 'siteD'])
    expect(Object.isFrozen(example.preferenceList('siteA'))).toBe(true)
    expect(example.preferenceList('siteA')).toBe(example.preferenceList('siteA'))
  })

  it('keeps only the available datacenters, in preference order', () => {
    const healthy = new Set(['siteD', 'siteB', 'siteC'])
    expect(example.preferenceOrder('siteA', healthy)).toEqual(['siteB', 'siteC', 'siteD'])
    expect(example.preferenceOrder('siteC', healthy)).toEqual(['siteC', 'siteD', 'siteB'])
    expect(example.preferenceOrder(undefined, ['siteD', 'siteA'])).toEqual(['siteA', 'siteD'])
    expect(example.preferenceOrder('siteA', [])).toEqual([])
    expect(example.preferenceOrder(example.lookup('10.1.5.200'), ['siteA', 'siteB'])).toEqual([
      'siteB',
      'siteA',
    ])
  })

  it('rejects unknown datacenter names', () => {
    expect(() => example.preferenceList('siteZ')).toThrow(
      expect.objectContaining({
        code: 'GSLB_TOPOLOGY_UNKNOWN_DATACENTER',
        message: "datacenter: unknown datacenter 'siteZ' (configured: siteA, siteB, siteC, siteD)",
      }),
    )
    expect(() => example.preferenceOrder('siteA', ['siteA', 'siteZ'])).toThrow(
      "available: unknown datacenter 'siteZ' (configured: siteA, siteB, siteC, siteD)",
    )
    // regression: null read as "nothing available" and a string was split into one-letter names
    for (const bad of [null, undefined, 'siteB', 42]) {
      expect(() => example.preferenceOrder('siteA', bad as unknown as string[])).toThrow(
        expect.objectContaining({ code: 'GSLB_TOPOLOGY_OPTIONS_INVALID', path: 'available' }),
      )
    }
    expect(example.has('siteA')).toBe(true)
    expect(example.has('siteZ')).toBe(false)
    expect(example.datacenters).toEqual(['siteA', 'siteB', 'siteC', 'siteD'])
    expect(example.prefixCount).toBe(6)
  })
})

describe('configuration errors', () => {
  it.each([
    [
      { datacenters: { siteA: ['10.1.0.0/16'], siteB: ['10.1.0.0/16'] } },
      'GSLB_TOPOLOGY_DUPLICATE_PREFIX',
      "datacenters.siteB[0]: '10.1.0.0/16': prefix 10.1.0.0/16 is already listed as datacenters.siteA[0] ('10.1.0.0/16'); a prefix can belong to one datacenter only",
    ],
    [
      { datacenters: { siteA: ['10.1.0.0/16'], siteB: ['10.2.0.0/16', '10.1.255.255/16'] } },
      'GSLB_TOPOLOGY_DUPLICATE_PREFIX',
      "datacenters.siteB[1]: '10.1.255.255/16': prefix 10.1.0.0/16 is already listed as datacenters.siteA[0] ('10.1.0.0/16'); a prefix can belong to one datacenter only",
    ],
    [
      { datacenters: { siteA: ['10.0.0.0/8'], siteB: ['::ffff:10.0.0.0/104'] } },
      'GSLB_TOPOLOGY_DUPLICATE_PREFIX',
      "datacenters.siteB[0]: '::ffff:10.0.0.0/104': prefix 10.0.0.0/8 is already listed as datacenters.siteA[0] ('10.0.0.0/8'); a prefix can belong to one datacenter only",
    ],
    [
      { datacenters: { siteA: ['2001:db8::/32', '2001:0db8::/32'] } },
      'GSLB_TOPOLOGY_DUPLICATE_PREFIX',
      "datacenters.siteA[1]: '2001:0db8::/32': prefix 2001:db8::/32 is already listed as datacenters.siteA[0] ('2001:db8::/32')",
    ],
    [
      { datacenters: { siteA: ['10.1.0.0/16'], siteB: ['10.2.0.0/16', '10.2.0.0/33'] } },
      'GSLB_TOPOLOGY_INVALID_CIDR',
      "datacenters.siteB[1]: '10.2.0.0/33': prefix length 33 is out of range 0-32",
    ],
    [
      { datacenters: { siteA: ['010.1.0.0/16'] } },
      'GSLB_TOPOLOGY_INVALID_CIDR',
      "datacenters.siteA[0]: '010.1.0.0/16': part 1 '010' has a leading zero",
    ],
    [
      { datacenters: { siteA: [42] } },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      'datacenters.siteA[0]: must be a CIDR string, got number',
    ],
    [
      { datacenters: { siteA: '10.0.0.0/8' } },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      'datacenters.siteA: must be an array of CIDR strings',
    ],
    [
      { datacenters: { 'bad name': [] } },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      "datacenters['bad name']: datacenter name must be 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit",
    ],
    [
      { datacenters: { '': [] } },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      "datacenters['']: datacenter name must be 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit",
    ],
    [
      { datacenters: ['10.0.0.0/8'] },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      'datacenters: must be an object mapping datacenter name to a list of CIDRs',
    ],
    [
      {},
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      'datacenters: must be an object mapping datacenter name to a list of CIDRs',
    ],
    [undefined, 'GSLB_TOPOLOGY_OPTIONS_INVALID', 'options: must be an object with datacenters'],
    [
      { datacenters: {}, preference: {} },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      "options.preference: unknown option (expected 'datacenters' and 'preferences')",
    ],
    [
      { datacenters: { siteA: [] }, preferences: { siteZ: ['siteA'] } },
      'GSLB_TOPOLOGY_UNKNOWN_DATACENTER',
      "preferences.siteZ: unknown datacenter 'siteZ' (configured: siteA)",
    ],
    [
      { datacenters: { siteA: [], siteB: [] }, preferences: { siteA: ['siteB', 'siteC'] } },
      'GSLB_TOPOLOGY_UNKNOWN_DATACENTER',
      "preferences.siteA[1]: unknown datacenter 'siteC' (configured: siteA, siteB)",
    ],
    [
      { datacenters: { siteA: [], siteB: [] }, preferences: { siteA: ['siteA'] } },
      'GSLB_TOPOLOGY_INVALID_PREFERENCE',
      "preferences.siteA[0]: 'siteA' is the datacenter itself; it always comes first",
    ],
    [
      { datacenters: { siteA: [], siteB: [] }, preferences: { siteA: ['siteB', 'siteB'] } },
      'GSLB_TOPOLOGY_INVALID_PREFERENCE',
      "preferences.siteA[1]: 'siteB' is listed twice",
    ],
    [
      { datacenters: { siteA: [] }, preferences: { siteA: 'siteB' } },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      'preferences.siteA: must be an array of datacenter names',
    ],
    [
      { datacenters: { siteA: [] }, preferences: ['siteA'] },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      'preferences: must be an object mapping datacenter name to a list of datacenter names',
    ],
    [
      { datacenters: { siteA: [], siteB: [] }, preferences: { siteA: [null] } },
      'GSLB_TOPOLOGY_OPTIONS_INVALID',
      'preferences.siteA[0]: must be a datacenter name, got object',
    ],
  ])('%j → %s', (options, code, message) => {
    const error = errorOf(options)
    expect(error.name).toBe('TopologyError')
    expect(error.code).toBe(code)
    expect(error.message).toBe(message)
  })

  it('errors carry the option path and the bare reason separately', () => {
    const error = errorOf({ datacenters: { siteB: ['10.2.0.0/16', '10.2.0.0/33'] } })
    expect(error.path).toBe('datacenters.siteB[1]')
    expect(error.input).toBe('10.2.0.0/33')
    expect(error.reason).toBe('prefix length 33 is out of range 0-32')
  })

  it('bounds the number of datacenters', () => {
    const datacenters: Record<string, string[]> = {}
    for (let i = 0; i <= 4096; i++) datacenters[`dc${i}`] = []
    expect(errorOf({ datacenters }).message).toBe(
      'datacenters: has 4097 datacenters, more than the limit 4096',
    )
  })
})
