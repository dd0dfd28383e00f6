import { DueHeap, type HeapItem } from '../src/heap.js'
import { Ring } from '../src/ring.js'

function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

interface Item extends HeapItem {
  name: number
}

describe('DueHeap', () => {
  test('pops in due order, FIFO among equal dues, through random pushes, removes and re-keys', () => {
    const random = prng(42)
    const heap = new DueHeap<Item>()
    const live = new Set<Item>()
    const order: Item[] = []
    let name = 0
    for (let step = 0; step < 5_000; step++) {
      const roll = random()
      if (roll < 0.5 || live.size === 0) {
        const item: Item = { due: Math.floor(random() * 100), heapIndex: -1, heapSeq: 0, name: name++ }
        heap.push(item)
        live.add(item)
        order.push(item)
      } else if (roll < 0.7) {
        const victim = [...live][Math.floor(random() * live.size)]!
        heap.remove(victim)
        expect(heap.has(victim)).toBe(false)
        live.delete(victim)
      } else {
        const popped = heap.pop()!
        const expected = [...live].sort((a, b) => a.due - b.due || a.heapSeq - b.heapSeq)[0]!
        expect(popped).toBe(expected)
        live.delete(popped)
      }
      expect(heap.size).toBe(live.size)
    }
    const rest: Item[] = []
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) rest.push(item)
    expect(rest).toEqual([...live].sort((a, b) => a.due - b.due || a.heapSeq - b.heapSeq))
  })

  test('removing an item that is not in the heap is a no-op', () => {
    const heap = new DueHeap<Item>()
    const a: Item = { due: 1, heapIndex: -1, heapSeq: 0, name: 1 }
    heap.remove(a)
    heap.push(a)
    heap.clear()
    expect(heap.has(a)).toBe(false)
    expect(heap.pop()).toBeUndefined()
  })
})

describe('Ring', () => {
  test('keeps the last N values, oldest first', () => {
    const ring = new Ring<number>(3)
    expect(ring.toArray()).toEqual([])
    expect(ring.last()).toBeUndefined()
    for (let i = 1; i <= 7; i++) ring.push(i)
    expect(ring.toArray()).toEqual([5, 6, 7])
    expect(ring.last()).toBe(7)
  })

  test('a zero-size ring keeps nothing', () => {
    const ring = new Ring<number>(0)
    ring.push(1)
    expect(ring.toArray()).toEqual([])
  })
})
