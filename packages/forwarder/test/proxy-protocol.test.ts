import { isIPv4 } from 'node:net'
import { expectNoLeaks } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { encodeProxyV1, encodeProxyV2 } from '../src/index.js'
import { connectTo, readAll, startBackend, startForwarder } from './helpers.js'

interface Decoded {
  version: 1 | 2
  family: 'TCP4' | 'TCP6' | 'UNKNOWN'
  source?: string
  destination?: string
  sourcePort?: number
  destinationPort?: number
  length: number
}

const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex')

function formatIPv6(bytes: Buffer): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16))
  return groups.join(':')
}

/** An independent PROXY protocol decoder (v1 text, v2 binary) for checking what the forwarder sends. */
function decodeProxy(data: Buffer): Decoded {
  if (data.subarray(0, 12).equals(V2_SIGNATURE)) {
    if (data[12] !== 0x21) throw new Error(`v2: bad version/command 0x${data[12]!.toString(16)}`)
    const family = data[13]
    const length = data.readUInt16BE(14)
    if (family === 0x00) return { version: 2, family: 'UNKNOWN', length: 16 + length }
    if (family === 0x11) {
      if (length < 12) throw new Error('v2: short TCP4 block')
      return {
        version: 2,
        family: 'TCP4',
        source: [...data.subarray(16, 20)].join('.'),
        destination: [...data.subarray(20, 24)].join('.'),
        sourcePort: data.readUInt16BE(24),
        destinationPort: data.readUInt16BE(26),
        length: 16 + length,
      }
    }
    if (family === 0x21) {
      if (length < 36) throw new Error('v2: short TCP6 block')
      return {
        version: 2,
        family: 'TCP6',
        source: formatIPv6(data.subarray(16, 32)),
        destination: formatIPv6(data.subarray(32, 48)),
        sourcePort: data.readUInt16BE(48),
        destinationPort: data.readUInt16BE(50),
        length: 16 + length,
      }
    }
    throw new Error(`v2: unexpected family 0x${family!.toString(16)}`)
  }
  const end = data.indexOf('\r\n')
  if (end < 0 || end > 105) throw new Error('v1: no CRLF within 107 bytes')
  const parts = data.subarray(0, end).toString('latin1').split(' ')
  if (parts[0] !== 'PROXY') throw new Error('v1: no PROXY prefix')
  if (parts[1] === 'UNKNOWN') return { version: 1, family: 'UNKNOWN', length: end + 2 }
  if ((parts[1] !== 'TCP4' && parts[1] !== 'TCP6') || parts.length !== 6)
    throw new Error(`v1: bad line ${parts}`)
  return {
    version: 1,
    family: parts[1],
    source: parts[2]!,
    destination: parts[3]!,
    sourcePort: Number(parts[4]),
    destinationPort: Number(parts[5]),
    length: end + 2,
  }
}

describe('PROXY protocol', () => {
  expectNoLeaks()

  const v4 = {
    sourceAddress: '192.0.2.7',
    sourcePort: 51_000,
    destinationAddress: '10.1.0.50',
    destinationPort: 104,
  }

  test('v1 encodes TCP4, TCP6, mapped IPv4 and UNKNOWN', () => {
    expect(encodeProxyV1(v4).toString()).toBe('PROXY TCP4 192.0.2.7 10.1.0.50 51000 104\r\n')
    expect(
      encodeProxyV1({
        ...v4,
        sourceAddress: '::ffff:192.0.2.7',
        destinationAddress: '::ffff:10.1.0.50',
      }).toString(),
    ).toBe('PROXY TCP4 192.0.2.7 10.1.0.50 51000 104\r\n')
    expect(
      encodeProxyV1({ ...v4, sourceAddress: '2001:db8::1', destinationAddress: '2001:db8::2' }).toString(),
    ).toBe('PROXY TCP6 2001:db8::1 2001:db8::2 51000 104\r\n')
    expect(encodeProxyV1({ ...v4, sourceAddress: '' }).toString()).toBe('PROXY UNKNOWN\r\n')
  })

  test('v2 round-trips through an independent decoder', () => {
    expect(decodeProxy(encodeProxyV2(v4))).toEqual({
      version: 2,
      family: 'TCP4',
      source: '192.0.2.7',
      destination: '10.1.0.50',
      sourcePort: 51_000,
      destinationPort: 104,
      length: 28,
    })
    expect(
      decodeProxy(
        encodeProxyV2({ ...v4, sourceAddress: '2001:db8::1', destinationAddress: '::ffff:10.1.0.50' }),
      ),
    ).toEqual({
      version: 2,
      family: 'TCP6',
      source: '2001:db8:0:0:0:0:0:1',
      destination: '0:0:0:0:0:ffff:a01:32',
      sourcePort: 51_000,
      destinationPort: 104,
      length: 52,
    })
    expect(decodeProxy(encodeProxyV2({ ...v4, sourcePort: 70_000 }))).toEqual({
      version: 2,
      family: 'UNKNOWN',
      length: 16,
    })
  })

  test.each([1, 2] as const)(
    'v%i header reaches the backend first, then the client bytes unchanged',
    async (version) => {
      let received: Promise<{ data: Buffer }> | null = null
      const backend = await startBackend((socket) => {
        received = readAll(socket)
      })
      const { forwarder, port } = await startForwarder([
        { name: 'svc', proxyProtocol: version, backends: [{ address: '127.0.0.1', port: backend.port }] },
      ])
      const client = await connectTo(port, '127.0.0.1', '127.0.0.21')
      const clientPort = client.localPort
      const clientDone = readAll(client)
      client.end('payload after the header')
      await waitFor(() => received !== null, { timeoutMs: 2_000, what: 'backend accepted' })
      const { data } = await received!
      const header = decodeProxy(data)
      expect(header).toMatchObject({
        version,
        family: 'TCP4',
        source: '127.0.0.21',
        destination: '127.0.0.1',
        sourcePort: clientPort,
        destinationPort: port,
      })
      expect(isIPv4(header.source!)).toBe(true)
      expect(data.subarray(header.length).toString()).toBe('payload after the header')
      await clientDone
      await forwarder.close({ deadlineMs: 0 })
      await backend.close()
    },
  )
})
