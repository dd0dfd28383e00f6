import { cidrContains, formatCidr, parseAddress, parseCidr, TopologyError } from '@gslb/topology'

function reasonOf(text: string): string {
  try {
    parseCidr(text)
  } catch (error) {
    expect((error as TopologyError).code).toBe('GSLB_TOPOLOGY_INVALID_CIDR')
    return (error as Error).message
  }
  throw new Error(`${text} was accepted`)
}

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8', 4],
    ['10.0.0.1/24', '10.0.0.0/24', 4],
    ['10.255.255.255/9', '10.128.0.0/9', 4],
    ['10.1.2.3/0', '0.0.0.0/0', 4],
    ['10.1.2.3/32', '10.1.2.3/32', 4],
    ['10.1.2.3', '10.1.2.3/32', 4],
    ['2001:db8::/32', '2001:db8::/32', 6],
    ['2001:db8:ffff::1/33', '2001:db8:8000::/33', 6],
    ['2001:db8::1', '2001:db8::1/128', 6],
    ['::/0', '::/0', 6],
    ['ffff::1/1', '8000::/1', 6],
    ['::ffff:10.1.2.3/120', '::ffff:10.1.2.0/120', 6],
    ['1:2:3:4:5:6:7:8/127', '1:2:3:4:5:6:7:8/127', 6],
    ['1:2:3:4:5:6:7:9/127', '1:2:3:4:5:6:7:8/127', 6],
  ])('%s → %s', (text, canonical, family) => {
    const cidr = parseCidr(text)
    expect(formatCidr(cidr)).toBe(canonical)
    expect(cidr.family).toBe(family)
  })

  it.each([
    ['10.0.0.1/33', "'10.0.0.1/33': prefix length 33 is out of range 0-32"],
    ['2001:db8::/129', "'2001:db8::/129': prefix length 129 is out of range 0-128"],
    ['10.0.0.0/', "'10.0.0.0/': prefix length is empty"],
    ['10.0.0.0/08', "'10.0.0.0/08': prefix length '08' has a leading zero"],
    ['10.0.0.0/-1', "'10.0.0.0/-1': prefix length '-1' is not a decimal number"],
    ['10.0.0.0/8/8', "'10.0.0.0/8/8': prefix length '8/8' is not a decimal number"],
    ['10.0.0.0/ 8', "'10.0.0.0/ 8': prefix length ' 8' is not a decimal number"],
    ['10.0.0.0/1e1', "'10.0.0.0/1e1': prefix length '1e1' is not a decimal number"],
    [
      '10.0.0.0/99999999999999999999',
      "'10.0.0.0/99999999999999999999': prefix length 99999999999999999999 is out of range 0-32",
    ],
    ['/8', "'/8': address is empty"],
    ['', "'': address is empty"],
    ['010.0.0.0/8', "'010.0.0.0/8': part 1 '010' has a leading zero"],
    ['10.0.0/8', "'10.0.0/8': expected 4 dot-separated parts, found 3"],
    ['fe80::%eth0/64', "'fe80::%eth0/64': zone identifiers (%zone) are not supported"],
    ['2001:db8:::/48', "'2001:db8:::/48': empty group"],
  ])('rejects %j', (text, message) => {
    expect(reasonOf(text)).toBe(message)
  })

  it('rejects non-strings and over-long text', () => {
    expect(() => parseCidr(null as unknown as string)).toThrow('CIDR must be a string, got object')
    expect(() => parseCidr('1'.repeat(1000))).toThrow(TopologyError)
    expect(reasonOf(`${'1'.repeat(100)}/8`)).toMatch(/longer than 68 characters$/)
  })
})

describe('cidrContains', () => {
  const bytes = (text: string) => parseAddress(text).bytes
  it('matches within a family and across IPv4-mapped IPv6', () => {
    const v4 = parseCidr('10.1.0.0/16')
    expect(cidrContains(v4, bytes('10.1.200.3'))).toBe(true)
    expect(cidrContains(v4, bytes('10.2.0.1'))).toBe(false)
    expect(cidrContains(v4, bytes('::ffff:10.1.0.1'))).toBe(true)
    expect(cidrContains(v4, bytes('::10.1.0.1'))).toBe(false)
    const v6 = parseCidr('2001:db8::/32')
    expect(cidrContains(v6, bytes('2001:db8:1::1'))).toBe(true)
    expect(cidrContains(v6, bytes('2001:db9::1'))).toBe(false)
    expect(cidrContains(v6, bytes('10.1.0.1'))).toBe(false)
    expect(cidrContains(parseCidr('::/0'), bytes('10.1.0.1'))).toBe(true)
    expect(cidrContains(parseCidr('::ffff:10.0.0.0/104'), bytes('10.1.0.1'))).toBe(true)
    expect(cidrContains(parseCidr('0.0.0.0/0'), bytes('2001:db8::1'))).toBe(false)
    expect(cidrContains(parseCidr('10.1.2.3/31'), bytes('10.1.2.2'))).toBe(true)
  })
})
