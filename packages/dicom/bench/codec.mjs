// Codec throughput against the built package: node packages/dicom/bench/codec.mjs
// Prints ops/s per operation (median of 5 runs of ~200 ms each; --smoke: 1 run of ~20 ms, to prove it runs).
import {
  decodeCommand,
  decodePdu,
  encodeAssociateRq,
  encodeCEchoRq,
  encodePData,
  PduFramer,
  sniffAssociation,
} from '../dist/index.js'

const contexts = Array.from({ length: 16 }, (_, i) => ({
  id: 2 * i + 1,
  abstractSyntax: `1.2.840.10008.5.1.4.1.1.${i}`,
  transferSyntaxes: ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.4.70'],
}))
const rqInit = {
  calledAE: 'PACS_MAIN',
  callingAE: 'CT_SCANNER_3',
  presentationContexts: contexts,
  userInformation: {
    maxLength: 16384,
    implementationClassUID: '1.2.3.4',
    implementationVersionName: 'BENCH',
  },
}
const rq = encodeAssociateRq(rqInit)
const command = encodeCEchoRq({ messageId: 1 })
const pdata = encodePData([{ contextId: 1, command: false, last: true, data: Buffer.alloc(16_378) }])
const stream = Buffer.concat(Array.from({ length: 64 }, () => pdata)) // 1 MiB

const SMOKE = process.argv.includes('--smoke')
const RUNS = SMOKE ? 1 : 5
const RUN_NS = SMOKE ? 20_000_000n : 200_000_000n

function measure(fn) {
  const rates = []
  for (let run = 0; run < RUNS; run++) {
    let ops = 0
    const start = process.hrtime.bigint()
    let elapsed = 0n
    while (elapsed < RUN_NS) {
      for (let i = 0; i < 100; i++) fn()
      ops += 100
      elapsed = process.hrtime.bigint() - start
    }
    rates.push(ops / (Number(elapsed) / 1e9))
  }
  return rates.sort((a, b) => a - b)[Math.floor(RUNS / 2)]
}

const framerStream = () => {
  const framer = new PduFramer({ maxPduLength: 16_384 })
  for (let offset = 0; offset < stream.length; offset += 65_536)
    framer.push(stream.subarray(offset, offset + 65_536))
}

const big = encodePData([{ contextId: 1, command: false, last: true, data: Buffer.alloc(200_000, 1) }])
const framerTrickle = () => {
  const framer = new PduFramer({ maxPduLength: 262_144 })
  for (let i = 0; i < big.length; i++) framer.push(big.subarray(i, i + 1))
}

const rows = [
  [`encodeAssociateRq (16 contexts, ${rq.length} B)`, () => encodeAssociateRq(rqInit)],
  [`decodePdu A-ASSOCIATE-RQ (${rq.length} B)`, () => decodePdu(rq)],
  [`sniffAssociation (${rq.length} B)`, () => sniffAssociation(rq)],
  ['encodeCEchoRq', () => encodeCEchoRq({ messageId: 1 })],
  ['decodeCommand C-ECHO-RQ', () => decodeCommand(command)],
  ['PduFramer 1 MiB of 16 KiB P-DATA in 64 KiB chunks', framerStream],
  [`PduFramer ${big.length} B PDU pushed one byte at a time`, framerTrickle],
]

console.log('| operation | ops/s |')
console.log('| --- | ---: |')
for (const [name, fn] of rows) {
  const rate = measure(fn)
  console.log(`| ${name} | ${Math.round(rate).toLocaleString('en-US')} |`)
}
