import {
  createResolver,
  isResolverError,
  parseNameserver,
  ResolverError,
  validateResolverOptions,
} from '../src/index.js'

describe('options are validated where they enter, naming the option', () => {
  const ns = ['127.0.0.1:53']
  it.each<[string, Record<string, unknown>]>([
    ['nameservers', { nameservers: [] }],
    ['nameservers', { nameservers: 'x' }],
    ['nameservers[1]', { nameservers: ['127.0.0.1', 'dns.example:53'] }],
    ['nameservers[0]', { nameservers: ['127.0.0.1:0'] }],
    ['nameservers[0]', { nameservers: ['127.0.0.1:70000'] }],
    ['nameservers[0]', { nameservers: ['[127.0.0.1]:53'] }],
    ['nameservers[1]', { nameservers: ['127.0.0.1', '127.0.0.1:53'] }],
    // holes: map() skipped them and a TypeError came out instead of a named error
    // biome-ignore lint/suspicious/noSparseArray: the hole is the test
    ['nameservers[0]', { nameservers: [, '127.0.0.1'] }],
    ['nameservers[0]', { nameservers: [null] }],
    ['intervalMs', { nameservers: ns, intervalMs: 0 }],
    ['intervalMs', { nameservers: ns, intervalMs: Number.NaN }],
    ['jitter', { nameservers: ns, jitter: 0.9 }],
    ['timeoutMs', { nameservers: ns, timeoutMs: '1s' }],
    ['failThreshold', { nameservers: ns, failThreshold: 1.5 }],
    ['lastGoodMaxAgeMs', { nameservers: ns, lastGoodMaxAgeMs: -1 }],
    ['lastGoodMaxAgeMs', { nameservers: ns, lastGoodMaxAgeMs: '6h' }],
    ['maxTtlMs', { nameservers: ns, minTtlMs: 5_000, maxTtlMs: 1_000 }],
    ['negativePolicy', { nameservers: ns, negativePolicy: 'strict' }],
    ['respectTtl', { nameservers: ns, respectTtl: 'yes' }],
    ['signal', { nameservers: ns, signal: {} }],
  ])('%s: %j', (option, options) => {
    let error: unknown
    try {
      createResolver(options as never)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ResolverError)
    expect(isResolverError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'GSLB_RESOLVER_OPTIONS_INVALID', path: option })
    expect((error as Error).message).toContain(`'${option}'`)
  })

  it.each([
    ['127.0.0.1', '127.0.0.1:53', 4],
    ['10.0.0.2:5353', '10.0.0.2:5353', 4],
    ['::1', '[::1]:53', 6],
    ['[::1]', '[::1]:53', 6],
    ['[2001:db8::1]:5353', '[2001:db8::1]:5353', 6],
  ])('parses nameserver %s as %s', (input, label, family) => {
    expect(parseNameserver(input, 'ns')).toMatchObject({ label, family })
  })

  it('track() validates the name and the family', () => {
    const r = createResolver({ nameservers: ns })
    expect(() => r.track('bad..name')).toThrow(expect.objectContaining({ path: 'name' }))
    expect(() => r.track('10.0.0.1')).toThrow(/IP address/)
    expect(() => r.track(`${'a'.repeat(64)}.example`)).toThrow(expect.objectContaining({ path: 'name' }))
    expect(() => r.track('ok.example', { family: 5 as 4 })).toThrow(
      expect.objectContaining({ path: 'family' }),
    )
    expect(() => r.track('ok.example', { family: 'both', prefer: 5 as 4 })).toThrow(
      expect.objectContaining({ path: 'prefer' }),
    )
    r.track('OK.Example.')
    expect(r.snapshot().names.map((n) => n.name)).toEqual(['ok.example'])
  })
})

describe('validateResolverOptions', () => {
  it('accepts what createResolver accepts', () => {
    expect(validateResolverOptions({ nameservers: ['127.0.0.1:53'] })).toEqual([])
  })

  it('reports every problem at once, each at its option, the first as createResolver throws it', () => {
    const options = {
      nameservers: ['127.0.0.1', 'dns.example:53', '127.0.0.1:53'],
      intervalMs: 0,
      minTtlMs: 5_000,
      maxTtlMs: 1_000,
      negativePolicy: 'strict',
      failThreshold: 1.5,
    }
    const issues = validateResolverOptions(options as never)
    expect(issues.map((issue) => issue.path)).toEqual([
      'nameservers[1]',
      'nameservers[2]',
      'intervalMs',
      'maxTtlMs',
      'negativePolicy',
      'failThreshold',
    ])
    expect(issues[2]).toEqual({
      path: 'intervalMs',
      message: 'expected milliseconds between 10 and 86400000, got 0',
    })
    expect(() => createResolver(options as never)).toThrow(
      `invalid option 'nameservers[1]': ${issues[0]?.message}`,
    )
  })

  it('an unknown option is refused; an old duration name says its new one', () => {
    const issues = validateResolverOptions({
      nameservers: ['127.0.0.1'],
      interval: 5_000,
      colour: 'red',
    } as never)
    expect(issues).toEqual([
      { path: 'interval', message: "unknown option: renamed 'intervalMs' (milliseconds)" },
      { path: 'colour', message: 'unknown option' },
    ])
  })

  it('a bad minTtlMs is reported once, not again through maxTtlMs', () => {
    expect(validateResolverOptions({ nameservers: ['127.0.0.1'], minTtlMs: 1 }).map((i) => i.path)).toEqual([
      'minTtlMs',
    ])
  })
})
