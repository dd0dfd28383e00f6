import { connect } from 'node:net'
import { activeResources, leakedSince } from '../../../../test/support/handles.js'
import {
  createVerificationServer,
  decodePdu,
  echo,
  encodeCEchoRq,
  encodeCEchoRsp,
  encodeFragments,
  encodeReleaseRq,
  PduFramer,
} from '../../src/index.js'
import { prng, rawPeer } from '../helpers.js'
import { mutate, PDU_CORPUS } from './corpus.js'

const HOST = '127.0.0.1'
const [RQ, AC] = [PDU_CORPUS[0]!, PDU_CORPUS[1]!]

/** Sends `parts` (one write each), returns every byte the server sent back before it closed. */
function poke(port: number, parts: Buffer[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port })
    const received: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(), 3_000)
    socket.on('connect', () => {
      for (const part of parts) socket.write(part)
    })
    socket.on('data', (chunk) => received.push(chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(received))
    })
  })
}

async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < count; i = next++) results[i] = await task(i)
    }),
  )
  return results
}

describe('live fuzzing over loopback', () => {
  let before: Record<string, number> = {}
  beforeAll(() => {
    // Snapshot inside a hook: jest's own hook-timeout timer is then live both here and in afterAll.
    before = activeResources()
  })

  afterAll(async () => {
    expect(await leakedSince(before, 2_000)).toEqual({})
  })

  it('the verification server survives 1500 connections of mutated PDUs and only ever sends valid PDUs', async () => {
    const server = createVerificationServer({ aeTitle: 'PACS_MAIN', host: HOST, port: 0, idleTimeoutMs: 300 })
    await server.start()
    const { port } = server.address()!
    const random = prng(0x5eed_0005)
    const scripts = Array.from({ length: 1_500 }, () => {
      const parts = [random() < 0.3 ? RQ : mutate(random, RQ, true)]
      if (random() < 0.7) {
        const echoRq = encodeFragments(1, true, encodeCEchoRq({ messageId: 1 }), 0)[0]!
        parts.push(random() < 0.5 ? echoRq : mutate(random, echoRq, true))
      }
      if (random() < 0.5)
        parts.push(
          random() < 0.5
            ? encodeReleaseRq()
            : mutate(random, PDU_CORPUS[Math.floor(random() * PDU_CORPUS.length)]!, true),
        )
      return parts
    })
    const problems: string[] = []
    await pool(scripts.length, 16, async (i) => {
      const reply = await poke(port, scripts[i]!)
      try {
        const framer = new PduFramer({ maxPduLength: 1 << 20 })
        for (const pdu of framer.push(reply)) decodePdu(pdu)
        if (framer.buffered > 0) problems.push(`#${i}: reply ends mid-PDU`)
      } catch (error) {
        problems.push(`#${i}: server sent an invalid PDU: ${String(error)}`)
      }
    })
    expect(problems).toEqual([])
    expect((await echo({ host: HOST, port, calledAE: 'PACS_MAIN', timeoutMs: 2_000 })).ok).toBe(true)
    await server.close()
  })

  it('echo() always resolves with a stage and a reason against 400 peers answering with mutated PDUs', async () => {
    const random = prng(0x5eed_0006)
    const echoRsp = encodeFragments(1, true, encodeCEchoRsp({ messageIdBeingRespondedTo: 1 }), 0)[0]!
    const peer = await rawPeer((socket) => {
      const ac = random() < 0.3 ? AC : mutate(random, AC, true)
      const rsp = random() < 0.3 ? echoRsp : mutate(random, echoRsp, true)
      let step = 0
      socket.on('data', () => {
        if (step === 0) socket.write(ac)
        else if (step === 1) socket.write(rsp)
        else if (random() < 0.5) socket.end(Buffer.from([6, 0, 0, 0, 0, 4, 0, 0, 0, 0]))
        else socket.end()
        step++
      })
    })
    const stages = new Set(['tcp', 'associate', 'echo', 'release'])
    const problems: string[] = []
    const results = await pool(400, 8, async (i) => {
      try {
        const result = await echo({ host: HOST, port: peer.port, timeoutMs: 400 })
        if (!stages.has(result.stage) || result.reason.length === 0 || typeof result.ok !== 'boolean') {
          problems.push(`#${i}: odd result ${JSON.stringify(result)}`)
        }
        return result
      } catch (error) {
        problems.push(`#${i}: echo() threw ${String(error)}`)
        return undefined
      }
    })
    await peer.close()
    expect(problems).toEqual([])
    expect(results.some((r) => r?.ok)).toBe(true)
    expect(results.some((r) => r?.stage === 'associate' && !r.ok)).toBe(true)
  })
})
