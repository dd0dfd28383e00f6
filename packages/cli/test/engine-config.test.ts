import { createEngine } from '@gslb/engine'
import { engineConfig } from '../src/config/library-options.js'
import type { Config } from '../src/config/types.js'

// The DNS-proxy service's resolver asks the local engine over loopback; the engine must see that query as coming
// from this node's own site, or a topology pool loses site affinity for the very flow gslb-lb exists for.
function nodeConfig(site: string | undefined, extra: Record<string, string[]> = {}): Config {
  return {
    node: { name: 'lb', ...(site ? { site } : {}) },
    topology: {
      datacenters: {
        siteA: { cidrs: ['10.1.0.0/16', ...(extra.siteA ?? [])] },
        siteB: { cidrs: ['10.2.0.0/16', ...(extra.siteB ?? [])] },
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
          members: [
            { name: 'siteA', address: '10.1.0.100', datacenter: 'siteA' },
            { name: 'siteB', address: '10.2.0.100', datacenter: 'siteB' },
          ],
        },
      },
      names: [{ name: 'dicom.mysite.com', pool: 'dicom' }],
    },
  }
}

function answerFor(config: Config, client: string): string[] {
  const engine = createEngine({ config: engineConfig(config) })
  const explained = engine.explain('dicom.mysite.com', 'A', { address: client })
  return explained.answers.map((record) => String(record.data))
}

test("loopback queries come from the node's own site", () => {
  expect(answerFor(nodeConfig('siteB'), '127.0.0.1')).toEqual(['10.2.0.100'])
  expect(answerFor(nodeConfig('siteA'), '127.0.0.1')).toEqual(['10.1.0.100'])
  expect(answerFor(nodeConfig('siteB'), '::1')).toEqual(['10.2.0.100'])
  expect(engineConfig(nodeConfig('siteB')).topology?.datacenters.siteB).toEqual([
    '10.2.0.0/16',
    '127.0.0.0/8',
    '::1/128',
  ])
})

test('a topology that places loopback itself wins; nothing is added twice', () => {
  const config = nodeConfig('siteB', { siteA: ['127.0.0.1/32'], siteB: ['127.0.0.0/8'] })
  expect(engineConfig(config).topology?.datacenters.siteB).toEqual(['10.2.0.0/16', '127.0.0.0/8', '::1/128'])
  expect(answerFor(config, '127.0.0.1')).toEqual(['10.1.0.100'])
  expect(answerFor(config, '127.0.0.2')).toEqual(['10.2.0.100'])
})

test('without node.site, loopback stays outside every datacenter', () => {
  expect(engineConfig(nodeConfig(undefined)).topology?.datacenters.siteA).toEqual(['10.1.0.0/16'])
})
