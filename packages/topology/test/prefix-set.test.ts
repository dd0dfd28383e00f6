import { createPrefixSet, formatCidr, parseAddress, parseCidr } from '@gslb/topology'

describe('createPrefixSet', () => {
  const allow = createPrefixSet([
    '10.1.0.0/16',
    '10.1.2.3',
    '2001:db8::/32',
    parseCidr('192.0.2.0/24'),
    '10.1.0.0/16',
  ])

  it('answers membership for text, bytes and IPv4-mapped addresses', () => {
    expect(allow.size).toBe(4)
    expect(allow.has('10.1.9.9')).toBe(true)
    expect(allow.has('::ffff:10.1.9.9')).toBe(true)
    expect(allow.has(parseAddress('192.0.2.200').bytes)).toBe(true)
    expect(allow.has('10.2.0.1')).toBe(false)
    expect(allow.has('2001:db8:ffff::1')).toBe(true)
    expect(allow.has('2001:db9::1')).toBe(false)
  })

  it('returns the most specific prefix', () => {
    expect(formatCidr(allow.match('10.1.2.3')!)).toBe('10.1.2.3/32')
    expect(formatCidr(allow.match('10.1.2.4')!)).toBe('10.1.0.0/16')
    expect(allow.match('127.0.0.1')).toBeUndefined()
  })

  it('names the entry in errors', () => {
    expect(() => createPrefixSet(['10.0.0.0/8', '10.0.0.0/40'], 'services.pacs.allow')).toThrow(
      expect.objectContaining({
        code: 'GSLB_TOPOLOGY_INVALID_CIDR',
        message: "services.pacs.allow[1]: '10.0.0.0/40': prefix length 40 is out of range 0-32",
      }),
    )
    expect(() => createPrefixSet('10.0.0.0/8' as unknown as string[])).toThrow(
      expect.objectContaining({
        code: 'GSLB_TOPOLOGY_OPTIONS_INVALID',
        message: 'cidrs: must be an iterable of CIDR strings',
      }),
    )
    expect(() => createPrefixSet([{ family: 4, bytes: new Uint8Array(3), prefixLength: 8 }])).toThrow(
      expect.objectContaining({ code: 'GSLB_TOPOLOGY_INVALID_CIDR', path: 'cidrs[0]' }),
    )
    expect(() => allow.has('nope')).toThrow(
      expect.objectContaining({ code: 'GSLB_TOPOLOGY_INVALID_ADDRESS' }),
    )
  })
})
