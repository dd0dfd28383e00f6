import { createForwarder, validateForwarderOptions } from '../src/index.js'

const good = {
  name: 'pacs',
  listen: ['127.0.0.1:0'],
  backends: [{ address: '127.0.0.1', port: 11112 }],
}

describe('validateForwarderOptions', () => {
  test('accepts what createForwarder accepts', () => {
    expect(validateForwarderOptions({ services: [good] })).toEqual([])
    expect(() => createForwarder({ services: [good] })).not.toThrow()
  })

  test('reports every problem at once, each at its option path', () => {
    const issues = validateForwarderOptions({
      services: [
        {
          ...good,
          listen: ['127.0.0.1:104', 'nowhere'],
          backends: [{ address: '10.0.0.300', port: 104 }, { name: 'pacs-b.example.org' }],
          check: { type: 'tcp', intervalMs: 2000, timeoutMs: 3000 },
          balance: 'random',
        },
        { ...good, retries: -1 },
        { ...good, name: 'pacs' },
      ],
    })
    expect(issues).toEqual([
      { path: 'services[0].listen[1]', message: 'expected "address:port" or "[ipv6]:port", got "nowhere"' },
      { path: 'services[0].backends[0].address', message: 'expected an IP address, got "10.0.0.300"' },
      { path: 'services[0].backends[1].port', message: 'expected an integer from 1 to 65535, got undefined' },
      { path: 'services[0].balance', message: 'expected one of first, roundrobin, leastconn, source' },
      { path: 'services[0].check.timeoutMs', message: 'must be below intervalMs (2000)' },
      {
        path: 'services[1].retries',
        message: expect.stringMatching(/^expected an integer from 0 to \d+, got -1$/),
      },
      { path: 'services[1].name', message: 'duplicate "pacs"' },
      { path: 'services[2].name', message: 'duplicate "pacs"' },
    ])
  })

  test('a bad check timeout is reported once, not again against a stand-in', () => {
    const services = [{ ...good, check: { type: 'tcp', intervalMs: 10, timeoutMs: 9 } }]
    expect(validateForwarderOptions({ services })).toEqual([
      { path: 'services[0].check.timeoutMs', message: 'expected an integer from 10 to 600000, got 9' },
    ])
  })

  test('createForwarder throws the first of them, with its option and a stable code', () => {
    const services = [{ ...good, retries: -1, balance: 'random' }]
    const [first] = validateForwarderOptions({ services })
    expect(() => createForwarder({ services: services as never })).toThrow(
      expect.objectContaining({ code: 'GSLB_CONFIG_INVALID', option: first?.path }),
    )
  })

  test('a backend without a port is refused (it became NaN before)', () => {
    expect(() =>
      createForwarder({ services: [{ ...good, backends: [{ address: '127.0.0.1' }] }] as never }),
    ).toThrow(
      "invalid option 'services[0].backends[0].port': expected an integer from 1 to 65535, got undefined",
    )
  })

  test('not an object, not an array', () => {
    expect(validateForwarderOptions(null as never)).toEqual([
      { path: 'options', message: 'expected an object' },
    ])
    expect(validateForwarderOptions({ services: {} })).toEqual([
      { path: 'services', message: 'expected an array of services' },
    ])
  })
})
