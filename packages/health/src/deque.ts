/** FIFO queue with O(1) push/shift and a front insert for urgent items. */
export class Deque<T> {
  private items: T[] = []
  private head = 0

  get size(): number {
    return this.items.length - this.head
  }

  push(item: T): void {
    this.items.push(item)
  }

  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item
    else this.items.unshift(item)
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined as T
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  /** Removes every item matching `predicate` (O(n); only used on remove/stop). */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed: T[] = []
    const kept: T[] = []
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as T
      if (predicate(item)) removed.push(item)
      else kept.push(item)
    }
    this.items = kept
    this.head = 0
    return removed
  }
}
