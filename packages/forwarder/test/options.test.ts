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
          check: { monitor: { type: 'tcp' }, intervalMs: 2000, timeoutMs: 3000 },
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
      { path: 'services[0].check.timeoutMs', message: 'must be below the interval (3000 ≥ 2000)' },
      {
        path: 'services[1].retries',
        message: expect.stringMatching(/^expected an integer from 0 to \d+, got -1$/),
      },
      { path: 'services[1].name', message: 'duplicate "pacs"' },
      { path: 'services[2].name', message: 'duplicate "pacs"' },
    ])
  })

  test("a check is @gslb/health's target shape, judged by @gslb/health at the check's own paths", () => {
    const check = { monitor: { type: 'dicom', calledAE: 'A_TITLE_LONGER_THAN_16' }, port: 104, rise: 0 }
    expect(validateForwarderOptions({ services: [{ ...good, check }] })).toEqual([
      { path: 'services[0].check.port', message: 'is set per server by the forwarder' },
      {
        path: 'services[0].check.monitor.calledAE',
        message: expect.stringContaining('A_TITLE_LONGER_THAN_16'),
      },
      { path: 'services[0].check.rise', message: expect.any(String) },
    ])
    // every monitor @gslb/health runs will do, not only tcp and dicom
    const http = { monitor: { type: 'http', path: '/health' }, intervalMs: 5_000, timeoutMs: 1_000 }
    expect(validateForwarderOptions({ services: [{ ...good, check: http }] })).toEqual([])
  })

  test('the check shape of 0.1 ({ type, callingAE, ... }) is refused, naming the monitor it lacks', () => {
    const services = [{ ...good, check: { type: 'tcp', intervalMs: 2000 } }]
    expect(validateForwarderOptions({ services })).toEqual([
      { path: 'services[0].check.monitor', message: expect.any(String) },
    ])
  })

  test('createForwarder throws the first of them, with its option and a stable code', () => {
    const services = [{ ...good, retries: -1, balance: 'random' }]
    const [first] = validateForwarderOptions({ services })
    expect(() => createForwarder({ services: services as never })).toThrow(
      expect.objectContaining({ code: 'GSLB_FORWARDER_OPTIONS_INVALID', path: first?.path }),
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
