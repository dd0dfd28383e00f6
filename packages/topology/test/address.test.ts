import {
  addressFamily,
  formatAddress,
  formatHostPort,
  fromIPv4Mapped,
  ipv4ToUint32,
  isIPv4Mapped,
  parseAddress,
  TopologyError,
  toIPv4Mapped,
  tryParseAddress,
  unmapAddress,
} from '@gslb/topology'

function bytesOf(text: string): number[] {
  return [...parseAddress(text).bytes]
}

function reasonOf(text: string): string {
  try {
    parseAddress(text)
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError)
    expect((error as TopologyError).code).toBe('GSLB_TOPOLOGY_INVALID_ADDRESS')
    return (error as TopologyError).reason
  }
  throw new Error(`${text} was accepted`)
}

describe('IPv4 parsing', () => {
  it.each([
    ['0.0.0.0', [0, 0, 0, 0]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['10.1.2.3', [10, 1, 2, 3]],
    ['192.168.0.100', [192, 168, 0, 100]],
    ['1.0.10.200', [1, 0, 10, 200]],
  ])('accepts %s', (text, bytes) => {
    const parsed = parseAddress(text)
    expect(parsed.family).toBe(4)
    expect([...parsed.bytes]).toEqual(bytes)
  })

  it.each([
    ['', 'address is empty'],
    ['010.0.0.1', "part 1 '010' has a leading zero"],
    ['10.0.0.01', "part 4 '01' has a leading zero"],
    ['10.00.0.1', "part 2 '00' has a leading zero"],
    ['256.0.0.1', 'part 1 256 is out of range 0-255'],
    ['10.0.0.1000', 'part 4 1000 is out of range 0-255'],
    ['10.0.0', 'expected 4 dot-separated parts, found 3'],
    ['10.0.0.1.5', 'expected 4 dot-separated parts, found 5'],
    ['10..0.1', 'part 2 is empty'],
    ['.10.0.1', 'part 1 is empty'],
    ['10.0.0.', 'part 4 is empty'],
    ['10.0.0.1 ', "part 4 '1 ' is not a decimal number"],
    [' 10.0.0.1', "part 1 ' 10' is not a decimal number"],
    ['10.0.0.+1', "part 4 '+1' is not a decimal number"],
    ['10.0.0.-1', "part 4 '-1' is not a decimal number"],
    ['0x0a.0.0.1', "part 1 '0x0a' is not a decimal number"],
    ['1e1.0.0.1', "part 1 '1e1' is not a decimal number"],
    ['10', 'expected 4 dot-separated parts, found 1'],
    ['4294967295', 'expected 4 dot-separated parts, found 1'],
    ['abc', 'expected 4 dot-separated parts, found 1'],
    ['10.0.0.1/24', "part 4 '1/24' is not a decimal number"],
    ['１.2.3.4', "part 1 '１' is not a decimal number"],
  ])('rejects %j: %s', (text, reason) => {
    expect(reasonOf(text)).toBe(reason)
  })

  it('ipv4ToUint32 is the allocation-free form of the same rules', () => {
    expect(ipv4ToUint32('10.1.2.3')).toBe(0x0a010203)
    expect(ipv4ToUint32('255.255.255.255')).toBe(0xffffffff)
    expect(ipv4ToUint32('0.0.0.0')).toBe(0)
    for (const bad of ['010.0.0.1', '1.2.3', '1.2.3.4.', '1.2.3.256', '', '1..2.3', 'a.b.c.d', '1.2.3.4.5']) {
      expect(ipv4ToUint32(bad)).toBe(-1)
    }
    expect(ipv4ToUint32('x10.1.2.3y', 1, 9)).toBe(0x0a010203)
  })
})

describe('IPv6 parsing', () => {
  it.each([
    ['::', '0:0:0:0:0:0:0:0'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['1::', '1:0:0:0:0:0:0:0'],
    ['2001:db8::1', '2001:db8:0:0:0:0:0:1'],
    ['2001:DB8::A:b', '2001:db8:0:0:0:0:a:b'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:0:0:0:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['1::8', '1:0:0:0:0:0:0:8'],
    ['fe80::1:2', 'fe80:0:0:0:0:0:1:2'],
    ['::ffff:10.1.2.3', '0:0:0:0:0:ffff:a01:203'],
    ['::ffff:a01:203', '0:0:0:0:0:ffff:a01:203'],
    ['::10.1.2.3', '0:0:0:0:0:0:a01:203'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0:0:0:c000:221'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['1:2:3:4:5::1.2.3.4', '1:2:3:4:5:0:102:304'],
  ])('accepts %s', (text, groups) => {
    const { family, bytes } = parseAddress(text)
    expect(family).toBe(6)
    const words: string[] = []
    for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16))
    expect(words.join(':')).toBe(groups)
  })

  it.each([
    [':', "leading ':' without '::'"],
    [':1', "leading ':' without '::'"],
    [':::', 'empty group'],
    ['1:::2', 'empty group'],
    ['1::2::3', "more than one '::'"],
    ['1:2:3:4:5:6:7', 'expected 8 groups, found 7'],
    ['1:2:3:4:5:6:7:8:9', 'more than 8 groups'],
    ['1:2:3:4:5:6:7:8::', "'::' with 8 groups stands for nothing"],
    ['::1:2:3:4:5:6:7:8', "'::' with 8 groups stands for nothing"],
    ['1:', "trailing ':' without '::'"],
    ['12345::', "group '12345…' has more than 4 hex digits"],
    ['g::1', "invalid character 'g'"],
    ['1::g', "invalid character 'g'"],
    ['1:2 ::3', "invalid character ' '"],
    ['fe80::1%eth0', 'zone identifiers (%zone) are not supported'],
    ['fe80::1%1', 'zone identifiers (%zone) are not supported'],
    ['[::1]', 'brackets are not part of an address; remove [ ]'],
    ['::ffff:10.1.2', "embedded IPv4 '10.1.2' is invalid: expected 4 dot-separated parts, found 3"],
    ['::ffff:010.1.2.3', "embedded IPv4 '010.1.2.3' is invalid: part 1 '010' has a leading zero"],
    ['::ffff:1.2.3.256', "embedded IPv4 '1.2.3.256' is invalid: part 4 256 is out of range 0-255"],
    ['::1.2.3.4:5', "embedded IPv4 '1.2.3.4:5' is invalid: part 4 '4:5' is not a decimal number"],
    ['1:2:3:4:5:6:7:1.2.3.4', 'too many groups before the embedded IPv4 address'],
    ['1:2:3:4:5:6:7:8:1.2.3.4', 'too many groups before the embedded IPv4 address'],
    ['1.2.3.4::', "embedded IPv4 '1.2.3.4::' is invalid: part 4 '4::' is not a decimal number"],
    ['2001:db8::/32', "invalid character '/'"],
  ])('rejects %j: %s', (text, reason) => {
    expect(reasonOf(text)).toBe(reason)
  })

  it('bounds the text it looks at', () => {
    expect(reasonOf(`${'1:'.repeat(100)}1`)).toBe('longer than 64 characters')
    expect(() => parseAddress('1'.repeat(10_000))).toThrow(/longer than 64 characters/)
  })

  it('quotes hostile input clipped and escaped', () => {
    try {
      parseAddress(`${'a'.repeat(60)}\n\u0000'zzzzzzzzzz`)
      throw new Error('accepted')
    } catch (error) {
      const message = (error as Error).message
      expect(message.includes('\n') || message.includes('\u0000')).toBe(false)
      expect(message).toContain('\\u000a\\u0000\\u0027')
      expect(message).toContain('…')
    }
  })

  it('rejects non-strings with a clear error', () => {
    expect(() => parseAddress(42 as unknown as string)).toThrow('address must be a string, got number')
    expect(tryParseAddress(undefined as unknown as string)).toBeUndefined()
  })
})

describe('non-throwing helpers', () => {
  it('tryParseAddress and addressFamily', () => {
    expect(tryParseAddress('10.0.0.1')?.family).toBe(4)
    expect(tryParseAddress('010.0.0.1')).toBeUndefined()
    expect(addressFamily('::1')).toBe(6)
    expect(addressFamily('1.2.3.4')).toBe(4)
    expect(addressFamily('fe80::1%lo')).toBe(0)
    expect(addressFamily('example.com')).toBe(0)
  })
})

describe('IPv4-mapped IPv6', () => {
  it('recognises, builds and strips ::ffff:0:0/96', () => {
    const mapped = parseAddress('::ffff:10.1.2.3').bytes
    expect(isIPv4Mapped(mapped)).toBe(true)
    expect(isIPv4Mapped(parseAddress('::10.1.2.3').bytes)).toBe(false)
    expect(isIPv4Mapped(parseAddress('10.1.2.3').bytes)).toBe(false)
    expect(isIPv4Mapped(parseAddress('::fffe:10.1.2.3').bytes)).toBe(false)
    expect([...fromIPv4Mapped(mapped)!]).toEqual([10, 1, 2, 3])
    expect(fromIPv4Mapped(parseAddress('2001:db8::1').bytes)).toBeUndefined()
    expect([...toIPv4Mapped(Uint8Array.of(10, 1, 2, 3))]).toEqual(bytesOf('::ffff:10.1.2.3'))
    expect(() => toIPv4Mapped(new Uint8Array(16))).toThrow('toIPv4Mapped needs 4 IPv4 bytes')
    expect([...unmapAddress(mapped)]).toEqual([10, 1, 2, 3])
    const v6 = parseAddress('2001:db8::1').bytes
    expect(unmapAddress(v6)).toBe(v6)
  })
})

describe('formatAddress (RFC 5952)', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3'],
    ['0.0.0.0', '0.0.0.0'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['::ffff:a01:203', '::ffff:10.1.2.3'],
    ['::10.1.2.3', '::a01:203'],
    ['fe80::abcd:ef01', 'fe80::abcd:ef01'],
  ])('%s → %s', (text, formatted) => {
    expect(formatAddress(parseAddress(text).bytes)).toBe(formatted)
  })

  it('round-trips through the parser', () => {
    for (const text of ['2001:db8::1', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', 'ff02::1:ff00:1', '::']) {
      expect(formatAddress(parseAddress(formatAddress(parseAddress(text).bytes)).bytes)).toBe(text)
    }
  })

  it('rejects other byte counts', () => {
    expect(() => formatAddress(new Uint8Array(5))).toThrow('address bytes must be 4 or 16 bytes, got 5 bytes')
  })
})

describe('formatHostPort', () => {
  test('brackets an IPv6 address, leaves IPv4 and host names as they are', () => {
    expect(formatHostPort('2001:db8::1', 104)).toBe('[2001:db8::1]:104')
    expect(formatHostPort('::', 0)).toBe('[::]:0')
    expect(formatHostPort('192.0.2.10', 11112)).toBe('192.0.2.10:11112')
    expect(formatHostPort('pacs.example.org', 104)).toBe('pacs.example.org:104')
  })
})
