import {
  createPrefixSet,
  createTopology,
  isTopologyError,
  parseAddress,
  parseCidr,
  TopologyError,
  TopologyErrorCode,
} from '../src/index.js'

function thrownBy(f: () => unknown): unknown {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('TopologyError and isTopologyError', () => {
  it('has one SCREAMING key per code, each GSLB_TOPOLOGY_<KEY>', () => {
    for (const [key, code] of Object.entries(TopologyErrorCode)) expect(code).toBe(`GSLB_TOPOLOGY_${key}`)
  })

  it('takes (code, message, { path, cause, input, reason }) like every package', () => {
    const cause = new Error('underneath')
    const error = new TopologyError(TopologyErrorCode.INVALID_CIDR, 'bad prefix', {
      path: 'datacenters.a[0]',
      cause,
      input: '10.0.0.0/33',
    })
    expect(error).toMatchObject({
      name: 'TopologyError',
      code: 'GSLB_TOPOLOGY_INVALID_CIDR',
      message: 'bad prefix',
      path: 'datacenters.a[0]',
      input: '10.0.0.0/33',
      reason: 'bad prefix',
    })
    expect(error.cause).toBe(cause)
    expect('cause' in new TopologyError(TopologyErrorCode.INVALID_CIDR, 'x')).toBe(false)
  })

  it('keeps path, input and reason apart in what the package throws', () => {
    const error = thrownBy(() => createTopology({ datacenters: { siteB: ['10.2.0.0/16', '10.2.0.0/33'] } }))
    expect(isTopologyError(error)).toBe(true)
    expect(error).toMatchObject({
      code: TopologyErrorCode.INVALID_CIDR,
      path: 'datacenters.siteB[1]',
      input: '10.2.0.0/33',
      reason: 'prefix length 33 is out of range 0-32',
      message: "datacenters.siteB[1]: '10.2.0.0/33': prefix length 33 is out of range 0-32",
    })
    expect(thrownBy(() => createPrefixSet('10.0.0.0/8' as unknown as string[], 'ecs.trusted'))).toMatchObject(
      {
        code: TopologyErrorCode.OPTIONS_INVALID,
        path: 'ecs.trusted',
      },
    )
  })

  it('knows every code, also on an error from another copy of the package', () => {
    for (const code of Object.values(TopologyErrorCode)) {
      expect(isTopologyError(new TopologyError(code, 'x'))).toBe(true)
      expect(isTopologyError(Object.assign(new Error('x'), { name: 'TopologyError', code }))).toBe(true)
    }
    expect(isTopologyError(thrownBy(() => parseAddress('10.0.0.256')))).toBe(true)
    expect(isTopologyError(thrownBy(() => parseCidr('10.0.0.0/')))).toBe(true)
  })

  it.each([
    ['an unknown code', Object.assign(new Error('x'), { name: 'TopologyError', code: 'GSLB_TOPOLOGY_NOPE' })],
    [
      "another package's error",
      Object.assign(new Error('x'), { name: 'DicomError', code: 'GSLB_TOPOLOGY_INVALID_CIDR' }),
    ],
    ['an error without a code', Object.assign(new Error('x'), { name: 'TopologyError' })],
    [
      'a plain object shaped like one',
      { name: 'TopologyError', code: 'GSLB_TOPOLOGY_INVALID_CIDR', message: 'x' },
    ],
    ['a plain Error', new Error('x')],
    ['null', null],
    ['a string', 'GSLB_TOPOLOGY_INVALID_CIDR'],
  ])('refuses %s', (_what, value) => {
    expect(isTopologyError(value)).toBe(false)
  })
})
