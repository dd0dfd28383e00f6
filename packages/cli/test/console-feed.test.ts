import { EventEmitter } from 'node:events'
import type { Resolver } from '@gslb/resolver'
import type { Config } from '../src/config/types.js'
import { ConsoleFeed } from '../src/node/console-feed.js'

const config = (): Config => ({ node: { name: 'n' } }) as Config

test('a fallback to another nameserver is in the timeline although no address changed', () => {
  const feed = new ConsoleFeed(config)
  const resolver = new EventEmitter()
  feed.observeResolver('local', resolver as unknown as Resolver)
  expect(feed.timeline.view('resolver').entries).toEqual([])
  resolver.emit('nameserver:change', {
    name: 'dicom.mysite.com',
    previous: '127.0.0.1:53',
    current: '10.0.0.2:53',
  })
  expect(feed.timeline.view('resolver').entries).toEqual([
    expect.objectContaining({
      subject: 'dicom.mysite.com',
      message: 'answers now come from 10.0.0.2:53 (before: 127.0.0.1:53) (resolver local)',
    }),
  ])
})

test('siteOf: a pool member address, else the cluster service it came through, else the topology', () => {
  const feed = new ConsoleFeed(
    () =>
      ({
        node: { name: 'n' },
        topology: { datacenters: { A: { cidrs: ['10.1.0.0/16'] }, B: { cidrs: ['10.2.0.0/16'] } } },
        gslb: {
          pools: {
            dicom: {
              members: [
                { name: 'siteA', address: '10.1.0.100', datacenter: 'A' },
                { name: 'siteB', address: '10.2.0.100', datacenter: 'B' },
              ],
            },
          },
        },
        services: {
          CLUSTER_B: { listen: [{ address: '10.2.0.100', port: 104 }], backends: [] },
          PROXY: { listen: [{ address: '10.1.0.50', port: 104 }], backends: [] },
        },
      }) as unknown as Config,
  )
  expect(feed.siteOf('PROXY', '10.2.0.100')).toBe('B')
  expect(feed.siteOf('CLUSTER_B', '10.1.0.7')).toBe('B')
  expect(feed.siteOf('PROXY', '10.1.3.4')).toBe('A')
  expect(feed.siteOf('PROXY', '192.0.2.1')).toBe('')
})
