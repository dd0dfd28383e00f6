// Worst single-input times while fuzzing: node packages/dicom/bench/worst-case.mjs
// The unit fuzz tests prove "only DicomError"; this prints how long the slowest of 100 000 inputs took
// (--smoke: 2 000 inputs each, to prove it runs).
import { seededRandom } from '../../../scripts/bench-stats.mjs'
import {
  decodeCommand,
  decodePdu,
  encodeAssociateRq,
  encodeCEchoRq,
  sniffAssociation,
} from '../dist/index.js'

const rq = encodeAssociateRq({
  calledAE: 'PACS_MAIN',
  callingAE: 'CT_SCANNER_3',
  presentationContexts: Array.from({ length: 128 }, (_, i) => ({
    id: 2 * i + 1,
    abstractSyntax: `1.2.840.10008.5.1.4.1.1.${i}`,
    transferSyntaxes: ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'],
  })),
  userInformation: { maxLength: 16384 },
})
const command = encodeCEchoRq({ messageId: 1 })

function mutate(random, base) {
  const out = Buffer.from(base)
  for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++)
    out[Math.floor(random() * out.length)] = Math.floor(random() * 256)
  return out
}

const INPUTS = process.argv.includes('--smoke') ? 2_000 : 100_000

function worst(name, base, fn, n = INPUTS) {
  const random = seededRandom(42)
  let max = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    const input = mutate(random, base)
    const started = process.hrtime.bigint()
    try {
      fn(input)
    } catch {}
    const ns = Number(process.hrtime.bigint() - started)
    total += ns
    if (ns > max) max = ns
  }
  return [name, base.length, n, total / n / 1000, max / 1000]
}

const rows = [
  worst('decodePdu, mutated 128-context RQ', rq, decodePdu),
  worst('sniffAssociation, mutated 128-context RQ', rq, sniffAssociation),
  worst('decodeCommand, mutated C-ECHO-RQ', command, decodeCommand),
]
console.log('| target | input bytes | inputs | mean µs | worst µs |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const [name, size, n, mean, max] of rows)
  console.log(`| ${name} | ${size} | ${n} | ${mean.toFixed(1)} | ${max.toFixed(0)} |`)
