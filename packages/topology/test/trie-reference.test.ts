import { createTopology, formatAddress, parseCidr, type Topology } from '@gslb/topology'
import { prng, Reference, type RefPrefix, unifiedWords } from './reference.js'

const DATACENTERS = ['siteA', 'siteB', 'siteC', 'siteD']

interface Scenario {
  topology: Topology
  reference: Reference
  v4: Uint8Array[]
  v6: Uint8Array[]
  random: () => number
}

function randomBytes(random: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256)
  return out
}

/** `base` with every bit after `keep` replaced by random bits. */
function randomize(random: () => number, base: Uint8Array, keep: number): Uint8Array {
  const out = randomBytes(random, base.length)
  for (let bit = 0; bit < keep; bit++) {
    const i = bit >> 3
    const mask = 0x80 >> (bit & 7)
    out[i] = (out[i]! & ~mask) | (base[i]! & mask)
  }
  return out
}

function randomLength(random: () => number, max: number): number {
  // Mostly realistic lengths, sometimes anything (including /0 and host routes).
  // /0 is left to the explicit covers: a random /0 would make every lookup match.
  const shortest = max === 32 ? 8 : 4
  if (random() < 0.2) return shortest + Math.floor(random() * (max - shortest + 1))
  return max === 32 ? 8 + Math.floor(random() * 25) : 16 + Math.floor(random() * 49)
}

function text(bytes: Uint8Array, length: number): string {
  return `${formatAddress(bytes)}/${length}`
}

function buildScenario(seed: number, withCovers: boolean, v4Count: number): Scenario {
  const random = prng(seed)
  const config: Record<string, string[]> = Object.fromEntries(DATACENTERS.map((name) => [name, []]))
  const prefixes: RefPrefix[] = []
  const seen = new Set<string>()
  const v4: Uint8Array[] = []
  const v6: Uint8Array[] = []
  const add = (cidrText: string) => {
    const cidr = parseCidr(cidrText)
    const words = unifiedWords(cidr.bytes)
    const length = cidr.family === 4 ? cidr.prefixLength + 96 : cidr.prefixLength
    const key = `${words.join(',')}/${length}`
    if (seen.has(key)) return
    seen.add(key)
    const datacenter = DATACENTERS[Math.floor(random() * DATACENTERS.length)]!
    config[datacenter]!.push(cidrText)
    prefixes.push({ words, length, datacenter })
    ;(cidr.family === 4 ? v4 : v6).push(cidr.bytes)
  }
  const grow = (pool: Uint8Array[], max: number) => {
    if (pool.length > 0 && random() < 0.45) {
      // Nest inside an existing prefix so that longest-match has work to do.
      const parent = pool[Math.floor(random() * pool.length)]!
      const parentLength = parseCidr(text(parent, max)).prefixLength
      const base = parseCidr(`${formatAddress(parent)}/${max}`).bytes
      const length = parentLength + Math.floor(random() * (max - parentLength + 1))
      return text(randomize(random, base, parentLength), length)
    }
    return text(randomBytes(random, max / 8), randomLength(random, max))
  }
  for (let i = 0; i < v4Count; i++) add(grow(v4, 32))
  for (let i = 0; i < 1000; i++) add(grow(v6, 128))
  // IPv4 prefixes written in their IPv4-mapped IPv6 form.
  for (let i = 0; i < 100; i++) {
    const length = 96 + randomLength(random, 32)
    add(`::ffff:${formatAddress(randomBytes(random, 4))}/${length}`)
  }
  // Prefixes near ::ffff:0:0/96 that do not cover it.
  for (let i = 0; i < 20; i++)
    add(text(randomize(random, new Uint8Array(16), 80), 81 + Math.floor(random() * 47)))
  if (withCovers) for (const cover of ['::/2', '::/64', '::fffe:0:0/95', '0.0.0.0/1']) add(cover)
  return {
    topology: createTopology({ datacenters: config }),
    reference: new Reference(prefixes),
    v4,
    v6,
    random,
  }
}

function queries(s: Scenario, count: number, family: 4 | 6 | 'mapped'): Uint8Array[] {
  const out: Uint8Array[] = []
  const pool = family === 6 ? s.v6 : s.v4
  for (let i = 0; i < count; i++) {
    let bytes: Uint8Array
    if (s.random() < 0.6) {
      const base = pool[Math.floor(s.random() * pool.length)]!
      bytes = randomize(s.random, base, Math.floor(s.random() * (base.length * 8 + 1)))
      if (s.random() < 0.5) bytes = randomize(s.random, base, base.length * 8 - Math.floor(s.random() * 8))
    } else if (family === 6 && s.random() < 0.3) {
      bytes = randomize(s.random, new Uint8Array(16), 64 + Math.floor(s.random() * 33))
    } else {
      bytes = randomBytes(s.random, family === 6 ? 16 : 4)
    }
    if (family === 'mapped') {
      const mapped = new Uint8Array(16)
      mapped[10] = 0xff
      mapped[11] = 0xff
      mapped.set(bytes, 12)
      bytes = mapped
    }
    out.push(bytes)
  }
  return out
}

function unifiedLength(topology: Topology, bytes: Uint8Array): number | undefined {
  const match = topology.match(bytes)
  if (match === undefined) return undefined
  return match.family === 4 ? match.prefixLength + 96 : match.prefixLength
}

// 1500 IPv4 prefixes build the /16 first-level index of the IPv4 trie; 300 stay below its threshold.
describe.each([
  ['without IPv6 covers of IPv4 space', 0x5eed, false, 1500],
  ['with IPv6 covers of IPv4 space', 0xc0ffee, true, 1500],
  ['small, without the IPv4 index', 0xbeef, false, 300],
])('trie agrees with a brute-force scan (%s)', (_name, seed, withCovers, v4Count) => {
  const scenario = buildScenario(seed, withCovers, v4Count)
  const { topology, reference } = scenario

  it.each([[4], [6], ['mapped']] as const)('longest-prefix match for IPv%s addresses', (family) => {
    let matched = 0
    for (const bytes of queries(scenario, 1000, family)) {
      const expected = reference.lookup(unifiedWords(bytes))
      const label = formatAddress(bytes)
      expect({ label, dc: topology.lookup(bytes) }).toEqual({ label, dc: expected.datacenter })
      expect({ label, dc: topology.lookup(label) }).toEqual({ label, dc: expected.datacenter })
      expect({ label, length: unifiedLength(topology, bytes) }).toEqual({ label, length: expected.length })
      if (expected.datacenter !== undefined) matched++
    }
    // The generator must exercise both outcomes, or the comparison proves little.
    expect(matched).toBeGreaterThan(300)
    // With a cover of IPv4 space every IPv4 address matches; elsewhere some must miss.
    expect(matched < 1000).toBe(!(withCovers && family !== 6))
  })

  it.each([[4], [6], ['mapped']] as const)('ECS answer and scope for IPv%s client subnets', (family) => {
    let wider = 0
    let narrower = 0
    for (const bytes of queries(scenario, 1000, family)) {
      const ecsFamily = bytes.length === 4 ? 4 : 6
      const bits = bytes.length * 8
      const source =
        family === 'mapped' && scenario.random() < 0.7
          ? 96 + Math.floor(scenario.random() * 33)
          : Math.floor(scenario.random() * (bits + 1))
      const unifiedSource = ecsFamily === 4 ? source + 96 : source
      const expected = reference.subnet(unifiedWords(bytes), unifiedSource)
      const expectedScope = ecsFamily === 4 ? Math.max(0, expected.scope - 96) : expected.scope
      const label = `${formatAddress(bytes)}/${source}`
      const got = topology.lookupSubnet(ecsFamily, bytes, source)
      expect({ label, dc: got.datacenter, scope: got.scopePrefixLength }).toEqual({
        label,
        dc: expected.datacenter,
        scope: expectedScope,
      })
      // An ECS ADDRESS field carries only ceil(source/8) bytes with the rest zero; same answer.
      const truncated = bytes.slice(0, Math.ceil(source / 8))
      if (source % 8 !== 0) truncated[truncated.length - 1]! &= 0xff << (8 - (source % 8))
      const again = topology.lookupSubnet(ecsFamily, truncated, source)
      expect({ label, dc: again.datacenter, scope: again.scopePrefixLength }).toEqual({
        label,
        dc: got.datacenter,
        scope: got.scopePrefixLength,
      })
      if (got.scopePrefixLength > source) wider++
      if (got.scopePrefixLength < source) narrower++
    }
    expect(wider).toBeGreaterThan(50)
    expect(narrower).toBeGreaterThan(50)
  })
})
