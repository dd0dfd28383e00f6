/** An item that knows its own position, so it can be removed or re-keyed in O(log n). */
export interface HeapItem {
  due: number
  heapIndex: number
  /** Insertion order: items due at the same time come out first in, first out. */
  heapSeq: number
}

function before(a: HeapItem, b: HeapItem): boolean {
  return a.due < b.due || (a.due === b.due && a.heapSeq < b.heapSeq)
}

/** Min-heap on `due`. `heapIndex` is -1 while an item is not in the heap. */
export class DueHeap<T extends HeapItem> {
  private readonly items: T[] = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item
  }

  push(item: T): void {
    item.heapSeq = this.seq++
    item.heapIndex = this.items.length
    this.items.push(item)
    this.up(item.heapIndex)
  }

  pop(): T | undefined {
    const top = this.items[0]
    if (top !== undefined) this.remove(top)
    return top
  }

  remove(item: T): void {
    if (!this.has(item)) return
    const index = item.heapIndex
    const last = this.items.pop()!
    item.heapIndex = -1
    if (last === item) return
    this.items[index] = last
    last.heapIndex = index
    this.down(index)
    this.up(last.heapIndex)
  }

  clear(): void {
    for (const item of this.items) item.heapIndex = -1
    this.items.length = 0
  }

  private up(start: number): void {
    let index = start
    const item = this.items[index]!
    while (index > 0) {
      const parentIndex = (index - 1) >> 1
      const parent = this.items[parentIndex]!
      if (!before(item, parent)) break
      this.items[index] = parent
      parent.heapIndex = index
      index = parentIndex
    }
    this.items[index] = item
    item.heapIndex = index
  }

  private down(start: number): void {
    let index = start
    const length = this.items.length
    const item = this.items[index]!
    for (;;) {
      const left = 2 * index + 1
      if (left >= length) break
      const right = left + 1
      let child = left
      if (right < length && before(this.items[right]!, this.items[left]!)) child = right
      const smallest = this.items[child]!
      if (!before(smallest, item)) break
      this.items[index] = smallest
      smallest.heapIndex = index
      index = child
    }
    this.items[index] = item
    item.heapIndex = index
  }
}
