// Lookup throughput of @gslb/topology against a linear scan, on the BUILT package.
// Run: pnpm --filter @gslb/topology build && node --expose-gc packages/topology/bench/lookup.mjs
// Prints a markdown table. Timings are noisy on a shared machine: compare the rows of one run.
// --smoke: one short round per row (CI proves the benchmark runs; the figures are not for the record).

import { seededRandom } from '../../../scripts/bench-stats.mjs'
import { createTopology, formatAddress, ipv4ToUint32, parseAddress } from '../dist/index.js'

const V4_PREFIXES = 100_000
const V6_PREFIXES = 10_000
const QUERIES = 200_000
const SMOKE = process.argv.includes('--smoke')
const MIN_MS = SMOKE ? 100 : 700
const ROUNDS = SMOKE ? 1 : 3

const random = seededRandom(20261125)
const int = (n) => Math.floor(random() * n)

// Prefix lengths roughly like a routing table: mostly /24, then /16-/23, some longer, few short.
function v4Length() {
  const r = random()
  if (r < 0.5) return 24
  if (r < 0.8) return 16 + int(8)
  if (r < 0.95) return 25 + int(8)
  return 8 + int(8)
}
const mask32 = (len) => (len === 0 ? 0 : (-1 << (32 - len)) >>> 0)
const dotted = (n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`

const names = ['siteA', 'siteB', 'siteC', 'siteD']
const v4 = [] // { net, len }
const v4Config = Object.fromEntries(names.map((n) => [n, []]))
const seen4 = new Set()
while (v4.length < V4_PREFIXES) {
  const len = v4Length()
  const net = ((random() * 2 ** 32) >>> 0) & mask32(len)
  const key = `${net}/${len}`
  if (seen4.has(key)) continue
  seen4.add(key)
  const dc = v4.length % 4
  v4.push({ net: net >>> 0, len, dc })
  v4Config[names[dc]].push(`${dotted(net >>> 0)}/${len}`)
}

const v6 = [] // { bytes, len }
const v6Config = Object.fromEntries(names.map((n) => [n, []]))
const seen6 = new Set()
while (v6.length < V6_PREFIXES) {
  const len = random() < 0.8 ? 32 + int(33) : 65 + int(64)
  const bytes = new Uint8Array(16)
  bytes[0] = 0x20
  bytes[1] = 0x01
  for (let i = 2; i < 16; i++) bytes[i] = int(256)
  for (let bit = len; bit < 128; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7))
  const text = `${formatAddress(bytes)}/${len}`
  if (seen6.has(text)) continue
  seen6.add(text)
  const dc = v6.length % 4
  v6.push({ bytes, len, dc })
  v6Config[names[dc]].push(text)
}

// Half the queries fall inside a configured prefix, half are uniformly random.
const q4 = []
for (let i = 0; i < QUERIES; i++) {
  if (i % 2 === 0) {
    const p = v4[int(v4.length)]
    q4.push((p.net | ((random() * 2 ** 32) & ~mask32(p.len))) >>> 0)
  } else {
    q4.push((random() * 2 ** 32) >>> 0)
  }
}
// Flat strings, as node hands out for a socket's remote address (template literals build ropes).
const flat = (text) => Buffer.from(text, 'latin1').toString('latin1')
const q4Text = q4.map((n) => flat(dotted(n)))
const q4Bytes = q4Text.map((t) => parseAddress(t).bytes)
const q6Bytes = []
for (let i = 0; i < QUERIES; i++) {
  const bytes = new Uint8Array(16)
  for (let j = 0; j < 16; j++) bytes[j] = int(256)
  if (i % 2 === 0) {
    const p = v6[int(v6.length)]
    for (let bit = 0; bit < p.len; bit++) {
      const m = 0x80 >> (bit & 7)
      bytes[bit >> 3] = (bytes[bit >> 3] & ~m) | (p.bytes[bit >> 3] & m)
    }
  } else {
    bytes[0] = 0x20
    bytes[1] = 0x01
  }
  q6Bytes.push(bytes)
}
const q6Text = q6Bytes.map((b) => flat(formatAddress(b)))

function time(fn) {
  const start = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

let sink = 0
/** Lookups per second: repeat passes over `inputs` for at least MIN_MS, best of ROUNDS rounds. */
function rate(inputs, lookup) {
  for (let i = 0; i < Math.min(inputs.length, 20_000); i++) if (lookup(inputs[i]) !== undefined) sink++
  const rounds = []
  for (let round = 0; round < ROUNDS; round++) {
    let count = 0
    const ms = time(() => {
      const start = performance.now()
      while (performance.now() - start < MIN_MS) {
        for (let i = 0; i < inputs.length; i++) if (lookup(inputs[i]) !== undefined) sink++
        count += inputs.length
      }
    })
    rounds.push((count / ms) * 1000)
  }
  return Math.max(...rounds)
}

// Linear scan baselines: the best a scan can do, on typed arrays, no allocation.
const scanNet = Uint32Array.from(v4, (p) => p.net)
const scanMask = Uint32Array.from(v4, (p) => mask32(p.len))
const scanLen = Uint8Array.from(v4, (p) => p.len)
function scan4(address) {
  let best = -1
  let bestLen = -1
  for (let i = 0; i < scanNet.length; i++) {
    if ((address & scanMask[i]) >>> 0 === scanNet[i] && scanLen[i] > bestLen) {
      best = i
      bestLen = scanLen[i]
    }
  }
  return best < 0 ? undefined : names[v4[best].dc]
}
const scan6Bytes = v6.map((p) => p.bytes)
function scan6(address) {
  let best = -1
  let bestLen = -1
  for (let i = 0; i < v6.length; i++) {
    const len = v6[i].len
    if (len <= bestLen) continue
    const p = scan6Bytes[i]
    let ok = true
    const whole = len >> 3
    for (let j = 0; j < whole; j++) {
      if (p[j] !== address[j]) {
        ok = false
        break
      }
    }
    if (ok && (len & 7) !== 0 && ((p[whole] ^ address[whole]) & (0xff << (8 - (len & 7))) & 0xff) !== 0)
      ok = false
    if (ok) {
      best = i
      bestLen = len
    }
  }
  return best < 0 ? undefined : names[v6[best].dc]
}

function memoryOf(build) {
  globalThis.gc?.()
  const before = process.memoryUsage()
  const kept = build()
  globalThis.gc?.()
  const after = process.memoryUsage()
  const mb = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / 1e6
  return { kept, mb }
}
const memory = memoryOf(() => createTopology({ datacenters: v4Config }))

const buildTimes = []
let topology
for (let i = 0; i < 5; i++)
  buildTimes.push(time(() => (topology = createTopology({ datacenters: v4Config }))))
const v6Topology = createTopology({ datacenters: v6Config })
const buildV6 = median(Array.from({ length: 3 }, () => time(() => createTopology({ datacenters: v6Config }))))

// Correctness spot check against the scan before timing anything.
for (let i = 0; i < 2000; i++) {
  if (topology.lookup(q4Text[i]) !== scan4(q4[i])) throw new Error(`IPv4 mismatch for ${q4Text[i]}`)
  if (v6Topology.lookup(q6Bytes[i]) !== scan6(q6Bytes[i])) throw new Error(`IPv6 mismatch for ${q6Text[i]}`)
}

const ecsBytes = q4Bytes.map((b) => b.slice(0, 3))
const rows = [
  ['IPv4, 100k prefixes', 'trie, from string', rate(q4Text, (t) => topology.lookup(t))],
  ['IPv4, 100k prefixes', 'trie, from bytes (4)', rate(q4Bytes, (b) => topology.lookup(b))],
  ['IPv4, 100k prefixes', 'trie, from uint32', rate(q4, (n) => topology.lookupUint32(n))],
  [
    'IPv4, 100k prefixes',
    'trie, ECS /24 (lookupSubnet)',
    rate(ecsBytes, (b) => topology.lookupSubnet(4, b, 24)),
  ],
  [
    'IPv4, 100k prefixes',
    'linear scan, from string',
    rate(q4Text.slice(0, 1000), (t) => scan4(ipv4ToUint32(t))),
  ],
  ['IPv6, 10k prefixes', 'trie, from string', rate(q6Text, (t) => v6Topology.lookup(t))],
  ['IPv6, 10k prefixes', 'trie, from bytes (16)', rate(q6Bytes, (b) => v6Topology.lookup(b))],
  ['IPv6, 10k prefixes', 'linear scan, from bytes', rate(q6Bytes.slice(0, 2000), (b) => scan6(b))],
]

const fmt = (n) => Math.round(n).toLocaleString('en-US')
console.log(
  `node ${process.version}, ${QUERIES.toLocaleString('en-US')} query addresses (half inside a prefix)\n`,
)
console.log('| table | method | lookups/s |')
console.log('| --- | --- | ---: |')
for (const [table, method, perSecond] of rows) console.log(`| ${table} | ${method} | ${fmt(perSecond)} |`)
console.log('')
console.log('| build | ms (median) |')
console.log('| --- | ---: |')
console.log(`| createTopology, 100,000 IPv4 prefixes (parse + insert) | ${median(buildTimes).toFixed(1)} |`)
console.log(`| createTopology, 10,000 IPv6 prefixes (parse + insert) | ${buildV6.toFixed(1)} |`)
if (memory.kept && globalThis.gc) {
  console.log('')
  console.log(`memory held by the 100k IPv4 topology (node --expose-gc): ${memory.mb.toFixed(1)} MB`)
}
if (sink < 0) console.log(sink)
