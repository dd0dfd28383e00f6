import type { Resolver } from '@gslb/resolver'
import { waitFor } from '../../../test/support/wait.js'
import type { Config } from '../src/config/types.js'
import { ConsoleFeed } from '../src/node/console-feed.js'

const config = (): Config => ({ node: { name: 'n' } }) as Config

/** A resolver whose answering nameserver the test sets (only snapshot() is read). */
function fakeResolver(nameserver: { current: string | null }): Resolver {
  return {
    snapshot: () => ({
      running: true,
      nameservers: [],
      names: [{ name: 'dicom.mysite.com', nameserver: nameserver.current, addresses: ['10.1.0.100'] }],
    }),
  } as unknown as Resolver
}

test('a fallback to another nameserver is in the timeline although no address changed', async () => {
  const feed = new ConsoleFeed(config)
  const answering = { current: '127.0.0.1:53' as string | null }
  feed.start(() => [['local', fakeResolver(answering)]], 10)
  try {
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(feed.timeline.view('resolver').entries).toEqual([])
    answering.current = '10.0.0.2:53'
    const entry = await waitFor(() => feed.timeline.view('resolver').entries[0], {
      what: 'the fallback is recorded',
    })
    expect(entry).toMatchObject({
      subject: 'dicom.mysite.com',
      message: 'answers now come from 10.0.0.2:53 (before: 127.0.0.1:53) (resolver local)',
    })
    answering.current = '127.0.0.1:53'
    await waitFor(() => feed.timeline.view('resolver').entries.length === 2, {
      what: 'the return is recorded',
    })
  } finally {
    feed.stop()
  }
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
