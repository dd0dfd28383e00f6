// Micro benchmark of the DNS wire codec: parse a query + encode a one-A response, ours vs dns-packet, plus the
// engine's whole query path (engine.answer) from the built package, and pointer-bomb parse times.
// Run: pnpm --filter @gslb/engine build && node packages/engine/bench/wire-micro.mjs [--quick]
// The codec is internal (not exported), so it is compiled from src/wire with tsup into a temp dir first.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..')
const require = createRequire(import.meta.url)
const packet = require('dns-packet')
const quick = process.argv.includes('--quick')
const ROUND_MS = quick ? 300 : 1000
const ROUNDS = quick ? 3 : 5

// Inside the package's node_modules, so the compiled test helpers resolve dns-packet (kept external) from there.
const cacheDir = join(here, '..', 'node_modules', '.cache')
mkdirSync(cacheDir, { recursive: true })
const outDir = mkdtempSync(join(cacheDir, 'gslb-wire-bench-'))
execFileSync(
  join(root, 'node_modules', '.bin', 'tsup'),
  [
    `--entry.index=${join(here, '..', 'src', 'wire', 'index.ts')}`,
    `--entry.mutate=${join(here, '..', 'test', 'robustness', 'mutate.ts')}`,
    '--format',
    'esm',
    '--out-dir',
    outDir,
    '--target',
    'node20',
    '--external',
    'dns-packet',
    '--silent',
  ],
  { cwd: join(here, '..'), stdio: 'inherit' },
)
const wire = await import(pathToFileURL(join(outDir, 'index.js')).href)
// the same hostile messages the robustness tests throw at the server
const { pointerChainBomb, recordsTimesChainBomb } = await import(
  pathToFileURL(join(outDir, 'mutate.js')).href
)
rmSync(outDir, { recursive: true, force: true })
const { createEngine } = await import('../dist/index.js')

function query(name, ecs) {
  return packet.encode({
    type: 'query',
    id: 4242,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type: 'A', name }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        flags: 0,
        options: ecs
          ? [{ code: 'CLIENT_SUBNET', sourcePrefixLength: 24, scopePrefixLength: 0, ip: '192.0.2.0' }]
          : [],
      },
    ],
  })
}

const plain = query('dicom.example.org')
const withEcs = query('dicom.example.org', true)
const address = Uint8Array.of(10, 1, 0, 50)

function ours(buf) {
  const parsed = wire.parseQuery(buf)
  const q = parsed.query
  return wire.encodeResponse(
    {
      id: q.id,
      opcode: 0,
      aa: true,
      rd: q.rd,
      cd: q.cd,
      rcode: 0,
      question: q.question,
      answers: [{ name: q.question.name, type: 'A', ttl: 5, address }],
      authority: [],
      additional: [],
      edns: q.edns && { udpPayloadSize: 1232, ecs: q.edns.ecs && { ...q.edns.ecs, scopePrefixLength: 24 } },
    },
    1232,
  )
}

function theirs(buf) {
  const q = packet.decode(buf)
  const opt = q.additionals.find((a) => a.type === 'OPT')
  return packet.encode({
    type: 'response',
    id: q.id,
    flags: packet.AUTHORITATIVE_ANSWER | (q.flags & packet.RECURSION_DESIRED),
    questions: q.questions,
    answers: [{ name: q.questions[0].name, type: 'A', ttl: 5, data: '10.1.0.50' }],
    additionals: opt
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: 1232,
            flags: 0,
            options: opt.options.map((o) => ({ ...o, scopePrefixLength: 24 })),
          },
        ]
      : [],
  })
}

const engine = createEngine({
  config: {
    zones: { 'example.org': { ns: [{ name: 'ns1.example.org', addresses: ['192.0.2.53'] }] } },
    pools: {
      pacs: {
        method: 'failover',
        members: [
          { name: 'site-a', address: '10.1.0.50' },
          { name: 'site-b', address: '10.2.0.50' },
        ],
      },
    },
    names: { 'dicom.example.org': { pool: 'pacs', ttl: 5 } },
  },
})
engine.setHealth('pacs', 'site-a', 'up')
engine.setHealth('pacs', 'site-b', 'up')
const client = { address: '192.0.2.77', port: 5353, transport: 'udp', family: 4 }

// Same answers from all three paths before timing anything.
for (const [label, fn] of [
  ['ours', ours],
  ['dns-packet', theirs],
  ['engine', (b) => engine.answer(b, client)],
]) {
  const decoded = packet.decode(Buffer.from(fn(plain)))
  if (decoded.answers[0]?.data !== '10.1.0.50')
    throw new Error(`${label} answered ${JSON.stringify(decoded.answers)}`)
}

function opsPerSecond(fn, buf) {
  const results = []
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0
    const started = performance.now()
    let elapsed = 0
    while (elapsed < ROUND_MS) {
      for (let i = 0; i < 1000; i++) fn(buf)
      n += 1000
      elapsed = performance.now() - started
    }
    results.push((n / elapsed) * 1000)
  }
  results.sort((a, b) => a - b)
  return results[Math.floor(results.length / 2)]
}

function timeOnce(fn) {
  const started = performance.now()
  try {
    fn()
  } catch {
    // dns-packet throws on some bombs; the time to get there is what counts
  }
  return performance.now() - started
}

const rows = []
for (const [label, buf] of [
  ['query, EDNS', plain],
  ['query, EDNS + ECS /24', withEcs],
]) {
  const a = opsPerSecond(ours, buf)
  const b = opsPerSecond(theirs, buf)
  const c = opsPerSecond((x) => engine.answer(x, client), buf)
  rows.push({
    case: label,
    'ours parse+encode ops/s': Math.round(a),
    'dns-packet decode+encode ops/s': Math.round(b),
    'ours / dns-packet': `${(a / b).toFixed(1)}x`,
    'engine.answer() ops/s': Math.round(c),
  })
}
console.log(`Node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms, median`)
console.table(rows)

const bombRows = []
for (const [bombLabel, bomb] of [
  ['question = one 64 KB pointer chain', pointerChainBomb(65535)],
  ['64 KB: ~5,100 records x 2,000-pointer chain', recordsTimesChainBomb()],
]) {
  for (const [label, fn] of [
    ['ours parseQuery', () => wire.parseQuery(bomb)],
    ['engine.answer()', () => engine.answer(bomb, client)],
    ['dns-packet decode', () => packet.decode(bomb)],
  ]) {
    const times = Array.from({ length: 5 }, () => timeOnce(fn)).sort((x, y) => x - y)
    bombRows.push({
      bomb: bombLabel,
      parser: label,
      'median ms': times[2].toFixed(4),
      'max ms': times[4].toFixed(4),
    })
  }
}
console.table(bombRows)
await engine.close()
