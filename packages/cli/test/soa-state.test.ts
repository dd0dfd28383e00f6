import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine } from '@gslb/engine'
import { engineConfig } from '../src/config/library-options.js'
import type { Config } from '../src/config/types.js'
import { openSoaStateStore, SOA_STATE_FILE, stateDirFor } from '../src/node/soa-state.js'

function recordingLogger() {
  const lines: { level: string; message: string }[] = []
  const at = (level: string) => (_details: unknown, message: string) => lines.push({ level, message })
  const logger = { warn: at('warn'), info: at('info'), debug: at('debug'), error: at('error') }
  return { lines, logger: logger as never }
}

function config(address = '10.2.0.100'): Config {
  return {
    node: { name: 'lb' },
    topology: {
      datacenters: {
        siteA: { cidrs: ['10.1.0.0/16'], resolvers: ['10.9.0.53/32'] },
        siteB: { cidrs: ['10.2.0.0/16'] },
      },
    },
    gslb: {
      listen: [{ address: '127.0.0.1', port: 0 }],
      zones: [
        {
          name: 'dicom.mysite.com',
          nameservers: [{ name: 'ns1.dicom.mysite.com', addresses: ['10.1.0.53'] }],
        },
      ],
      pools: {
        dicom: {
          method: 'topology',
          maxAnswers: 2,
          maxAnswersViaResolver: 1,
          members: [
            { name: 'siteA', address: '10.1.0.100', datacenter: 'siteA' },
            { name: 'siteB', address, datacenter: 'siteB' },
          ],
        },
      },
      names: [{ name: 'dicom.mysite.com', pool: 'dicom' }],
    },
  }
}

describe('SOA serial state file (node.stateDir)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gslb-soa-state-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  test('a restart with the state file keeps the serial; a changed zone moves on from it', () => {
    const { logger, lines } = recordingLogger()
    const stateDir = join(dir, 'created', 'on', 'demand')
    const first = openSoaStateStore(stateDir, logger)
    expect(first.initial).toEqual({})
    const engine = createEngine({ config: engineConfig(config()), soaState: first.initial })
    first.save(engine.soaState())
    const onDisk = JSON.parse(readFileSync(join(stateDir, SOA_STATE_FILE), 'utf8'))
    expect(onDisk).toEqual(engine.soaState())

    const again = openSoaStateStore(stateDir, logger)
    const changed = createEngine({ config: engineConfig(config('10.2.0.101')), soaState: again.initial })
    const before = onDisk['dicom.mysite.com'].serial
    const after = changed.soaState()['dicom.mysite.com']!.serial
    expect((after - before) >>> 0 > 0 && (after - before) >>> 0 <= 0x10000).toBe(true)
    expect(lines).toEqual([])
    void engine.close()
    void changed.close()
  })

  test('unwritable or corrupt state is never fatal, and is said once', () => {
    const { logger, lines } = recordingLogger()
    const blocker = join(dir, 'a-file')
    writeFileSync(blocker, 'x')
    const store = openSoaStateStore(join(blocker, 'state'), logger)
    store.save({ 'dicom.mysite.com': { serial: 1, fingerprint: 'f' } })
    store.save({ 'dicom.mysite.com': { serial: 2, fingerprint: 'g' } })
    expect(lines.map((l) => l.level)).toEqual(['warn'])
    expect(lines[0]?.message).toMatch(/derived from zone content only/)

    writeFileSync(join(dir, SOA_STATE_FILE), '{ not json')
    expect(openSoaStateStore(dir, logger).initial).toEqual({})
    expect(lines).toHaveLength(2)
    writeFileSync(
      join(dir, SOA_STATE_FILE),
      JSON.stringify({ a: { serial: -4, fingerprint: 'x' }, b: { serial: 9, fingerprint: 'y' } }),
    )
    expect(openSoaStateStore(dir, logger).initial).toEqual({ b: { serial: 9, fingerprint: 'y' } })
  })
})

test('the state folder: node.stateDir, else systemd STATE_DIRECTORY, else /var/lib/gslb-lb', () => {
  expect(stateDirFor('/srv/state', { STATE_DIRECTORY: '/var/lib/x' })).toBe('/srv/state')
  expect(stateDirFor(undefined, { STATE_DIRECTORY: '/var/lib/gslb-lb:/var/lib/other' })).toBe(
    '/var/lib/gslb-lb',
  )
  expect(stateDirFor(undefined, {})).toBe('/var/lib/gslb-lb')
})

describe('topology pool keys reach the engine (issue #11)', () => {
  test('maxAnswersViaResolver and topology.datacenters.*.resolvers', () => {
    const mapped = engineConfig(config())
    expect(mapped.pools?.dicom?.maxAnswersViaResolver).toBe(1)
    expect(mapped.topology?.resolvers).toEqual({ siteA: ['10.9.0.53/32'] })
    const engine = createEngine({ config: mapped })
    const answers = (address: string) =>
      engine.explain('dicom.mysite.com', 'A', { address }).answers.map((a) => a.data)
    expect(answers('192.0.2.53')).toEqual(['10.1.0.100'])
    // a listed resolver caches for its whole site: that site's address only
    expect(answers('10.9.0.53')).toEqual(['10.1.0.100'])
    expect(answers('10.2.4.4')).toEqual(['10.2.0.100', '10.1.0.100'])
    void engine.close()
  })
})
