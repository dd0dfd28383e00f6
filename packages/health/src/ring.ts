/** Fixed-size ring buffer keeping the last `capacity` values. */
export class Ring<T> {
  private readonly slots: (T | undefined)[]
  private next = 0
  private count = 0

  constructor(readonly capacity: number) {
    this.slots = new Array<T | undefined>(capacity)
  }

  push(value: T): void {
    if (this.capacity === 0) return
    this.slots[this.next] = value
    this.next = (this.next + 1) % this.capacity
    if (this.count < this.capacity) this.count++
  }

  last(): T | undefined {
    if (this.count === 0) return undefined
    return this.slots[(this.next - 1 + this.capacity) % this.capacity]
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = []
    const start = (this.next - this.count + this.capacity) % this.capacity
    for (let i = 0; i < this.count; i++) out.push(this.slots[(start + i) % this.capacity] as T)
    return out
  }
}
