import { pickServer } from '../src/balance.js'
import { hashString, Server } from '../src/server.js'
import type { BalanceMethod } from '../src/types.js'

function servers(count: number, weights: number[] = []): Server[] {
  return Array.from({ length: count }, (_, i) => {
    const server = new Server(`10.0.0.${i + 1}`, 104, null, weights[i] ?? 1, false)
    server.order = i
    return server
  })
}

function counts(method: BalanceMethod, list: Server[], picks: number): Map<string, number> {
  const state = { cursor: 0 }
  const seen = new Map<string, number>()
  for (let i = 0; i < picks; i++) {
    const server = pickServer(method, list, hashString(`192.0.2.${i % 250}`), [], state)!
    seen.set(server.address, (seen.get(server.address) ?? 0) + 1)
    if (method === 'leastconn') server.active++
  }
  return seen
}

describe('balancing', () => {
  test('first takes the first eligible server in order and skips tried ones', () => {
    const list = servers(3)
    const state = { cursor: 0 }
    expect(pickServer('first', list, 0, [], state)!.address).toBe('10.0.0.1')
    list[0]!.passiveDown = true
    expect(pickServer('first', list, 0, [], state)!.address).toBe('10.0.0.2')
    expect(pickServer('first', list, 0, [list[1]!], state)!.address).toBe('10.0.0.3')
    // nothing eligible is left: the server held out only by its passive mark-down is the last resort
    expect(pickServer('first', list, 0, [list[1]!, list[2]!], state)!.address).toBe('10.0.0.1')
    expect(pickServer('first', list, 0, [list[1]!, list[2]!, list[0]!], state)).toBeNull()
  })

  test('the last resort is never a drained, checked-down or weight-0 server', () => {
    const list = servers(3, [1, 1, 0])
    const state = { cursor: 0 }
    for (const server of list) server.passiveDown = true
    list[0]!.draining = true
    list[1]!.health = 'down'
    expect(pickServer('first', list, 0, [], state)).toBeNull()
    list[1]!.health = 'unknown'
    expect(pickServer('first', list, 0, [], state)!.address).toBe('10.0.0.2')
  })

  test('roundrobin honours weights with an even spread', () => {
    const list = servers(3, [1, 2, 5])
    const state = { cursor: 0 }
    const sequence = Array.from({ length: 8 }, () =>
      pickServer('roundrobin', list, 0, [], state)!.address.slice(-1),
    )
    expect(sequence.filter((s) => s === '3')).toHaveLength(5)
    expect(sequence.filter((s) => s === '2')).toHaveLength(2)
    expect(sequence.filter((s) => s === '1')).toHaveLength(1)
    // smooth: the heavy server never takes more than two in a row within a cycle of 8
    expect(sequence.join('')).not.toContain('333')
  })

  test('weight 0 is never chosen', () => {
    const list = servers(2, [0, 1])
    expect([...counts('roundrobin', list, 10).keys()]).toEqual(['10.0.0.2'])
    expect([...counts('source', list, 10).keys()]).toEqual(['10.0.0.2'])
  })

  test('leastconn picks the server with the fewest active connections per weight', () => {
    const list = servers(3)
    list[0]!.active = 5
    list[1]!.active = 1
    list[2]!.active = 3
    expect(pickServer('leastconn', list, 0, [], { cursor: 0 })!.address).toBe('10.0.0.2')
    const even = counts('leastconn', servers(4), 400)
    expect([...even.values()]).toEqual([100, 100, 100, 100])
  })

  test('source is sticky per client and spreads clients over servers by weight', () => {
    const list = servers(4, [1, 1, 1, 3])
    const state = { cursor: 0 }
    const client = hashString('192.0.2.77')
    const first = pickServer('source', list, client, [], state)
    for (let i = 0; i < 5; i++) expect(pickServer('source', list, client, [], state)).toBe(first)
    const spread = new Map<string, number>()
    for (let i = 0; i < 6_000; i++) {
      const server = pickServer('source', list, hashString(`10.${i >> 8}.${i & 255}.9`), [], state)!
      spread.set(server.address, (spread.get(server.address) ?? 0) + 1)
    }
    expect(spread.get('10.0.0.4')! / 6_000).toBeGreaterThan(0.42)
    expect(spread.get('10.0.0.4')! / 6_000).toBeLessThan(0.58)
  })

  test('source keeps clients on their server when an unrelated server comes or goes', () => {
    const list = servers(5)
    const state = { cursor: 0 }
    const clients = Array.from({ length: 2_000 }, (_, i) => hashString(`172.16.${i >> 8}.${i & 255}`))
    const before = clients.map((c) => pickServer('source', list, c, [], state)!)
    const removed = list[2]!
    removed.draining = true
    const after = clients.map((c) => pickServer('source', list, c, [], state)!)
    let moved = 0
    for (let i = 0; i < clients.length; i++) {
      if (before[i] !== removed) expect(after[i]).toBe(before[i])
      else moved++
    }
    expect(moved).toBeGreaterThan(0)
    // a new server takes only its share and moves nobody else between old servers
    const grown = [...servers(5), new Server('10.0.0.9', 104, null, 1, false)]
    const again = clients.map((c) => pickServer('source', servers(5), c, [], state)!.address)
    const withNew = clients.map((c) => pickServer('source', grown, c, [], state)!.address)
    let changed = 0
    for (let i = 0; i < clients.length; i++) {
      if (withNew[i] !== again[i]) {
        expect(withNew[i]).toBe('10.0.0.9')
        changed++
      }
    }
    expect(changed / clients.length).toBeLessThan(0.25)
  })

  test('backups are used only when no primary is eligible or untried', () => {
    const list = servers(3)
    list[2]!.backup = true
    const state = { cursor: 0 }
    for (const method of ['first', 'roundrobin', 'leastconn', 'source'] as const) {
      expect(pickServer(method, list, 1, [], state)!.backup).toBe(false)
      expect(pickServer(method, list, 1, [list[0]!, list[1]!], state)).toBe(list[2])
    }
    list[0]!.health = 'down'
    list[1]!.health = 'drain'
    expect(pickServer('roundrobin', list, 1, [], state)).toBe(list[2])
  })
})
