import { createResolver } from '../src/index.js'
import { type FakeNameserver, startFakeNameserver } from './support/fake-nameserver.js'

/** Copied from docs/architecture.md: owned by @gslb/forwarder, satisfied structurally (checked by tsc). */
interface AddressSource {
  addresses(name: string): readonly string[]
  subscribe(listener: (name: string, addresses: readonly string[]) => void): () => void
  resolveNow(name: string): Promise<unknown>
  track(name: string, options?: { family?: 4 | 6 | 'both'; prefer?: 4 | 6 }): void
  untrack(name: string): void
}

describe('the forwarder’s AddressSource seam', () => {
  let ns: FakeNameserver
  beforeEach(async () => {
    ns = await startFakeNameserver('127.0.0.1', () => ({ addresses: ['10.1.0.1'] }))
  })
  afterEach(() => ns.close())

  it('is satisfied by a Resolver used only through that interface', async () => {
    const resolver = createResolver({ nameservers: [ns.address], resolveNowMinIntervalMs: 0 })
    const source: AddressSource = resolver
    const seen: Array<[string, readonly string[]]> = []
    const unsubscribe = source.subscribe((name, addresses) => seen.push([name, addresses]))
    source.track('dicom.mysite.example', { family: 4 })
    await resolver.start()
    expect(source.addresses('dicom.mysite.example')).toEqual(['10.1.0.1'])
    ns.respond = () => ({ addresses: ['10.2.0.1'] })
    await source.resolveNow('dicom.mysite.example')
    expect(seen).toEqual([
      ['dicom.mysite.example', ['10.1.0.1']],
      ['dicom.mysite.example', ['10.2.0.1']],
    ])
    unsubscribe()
    source.untrack('dicom.mysite.example')
    expect(source.addresses('dicom.mysite.example')).toEqual([])
    await resolver.close()
  })
})
