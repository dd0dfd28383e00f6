import { createResolver } from '@gslb/resolver'
import { ResolverSet } from '../src/node/address-sources.js'

const change = (name: string, current: string[]) => ({
  name,
  previous: [],
  current,
  nameserver: null,
  ttl: null,
})

test('names are routed to their resolver; a route that moves untracks on one and tracks on the other', () => {
  const set = new ResolverSet()
  const one = createResolver({ nameservers: ['192.0.2.1'] })
  const two = createResolver({ nameservers: ['192.0.2.2'] })
  set.setRoutes(new Map([['pacs.example.org', 'one']]))
  set.set('one', one)
  set.set('two', two)
  set.track('PACS.example.org.', { family: 4 })
  expect(one.snapshot().names.map((n) => n.name)).toEqual(['pacs.example.org'])
  expect(two.snapshot().names).toEqual([])

  set.setRoutes(new Map([['pacs.example.org', 'two']]))
  expect(one.snapshot().names).toEqual([])
  expect(two.snapshot().names.map((n) => n.name)).toEqual(['pacs.example.org'])
  expect(set.resolverNameFor('pacs.example.org')).toBe('two')

  set.untrack('pacs.example.org')
  expect(two.snapshot().names).toEqual([])
})

test('subscribers hear only the resolver a name is routed to', () => {
  const set = new ResolverSet()
  const one = createResolver({ nameservers: ['192.0.2.1'] })
  const two = createResolver({ nameservers: ['192.0.2.2'] })
  set.setRoutes(new Map([['a.example.org', 'one']]))
  set.set('one', one)
  set.set('two', two)
  const heard: string[] = []
  const unsubscribe = set.subscribe((name, addresses) => heard.push(`${name}=${addresses.join(',')}`))
  one.emit('address:change', change('a.example.org', ['10.0.0.1']))
  two.emit('address:change', change('a.example.org', ['10.0.0.2']))
  expect(heard).toEqual(['a.example.org=10.0.0.1'])

  // Replacing a resolver moves the subscription with it.
  const three = createResolver({ nameservers: ['192.0.2.3'] })
  expect(set.set('one', three)).toBe(one)
  one.emit('address:change', change('a.example.org', ['10.0.0.9']))
  three.emit('address:change', change('a.example.org', ['10.0.0.3']))
  expect(heard).toEqual(['a.example.org=10.0.0.1', 'a.example.org=10.0.0.3'])
  unsubscribe()
  three.emit('address:change', change('a.example.org', ['10.0.0.4']))
  expect(heard).toHaveLength(2)
})

test('unrouted names have no addresses and resolveNow is a no-op before start', async () => {
  const set = new ResolverSet()
  expect(set.addresses('nowhere.example.org')).toEqual([])
  await expect(set.resolveNow('nowhere.example.org')).resolves.toBeUndefined()
})
