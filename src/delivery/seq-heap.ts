/**
 * A set of read-order numbers (seqs) whose smallest is known at once: add and delete are
 * O(log n) (a binary min-heap with lazy deletion: a deleted seq leaves the heap when it reaches
 * the top). Shared by the ack tracker (open events) and the per-sink marks (events a sink has
 * not settled).
 */
export class SeqHeap {
  private readonly heap: number[] = []
  private readonly open = new Set<number>()

  add (seq: number): void {
    this.open.add(seq)
    const h = this.heap
    h.push(seq)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (h[p] <= seq) break
      h[i] = h[p]
      i = p
    }
    h[i] = seq
  }

  delete (seq: number): void {
    if (!this.open.delete(seq)) return
    while (this.heap.length > 0 && !this.open.has(this.heap[0])) this.pop()
  }

  min (): number | undefined {
    return this.heap.length === 0 ? undefined : this.heap[0]
  }

  private pop (): void {
    const h = this.heap
    const last = h.pop() as number
    if (h.length === 0) return
    let i = 0
    const n = h.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && h[r] < h[l] ? r : l
      if (h[c] >= last) break
      h[i] = h[c]
      i = c
    }
    h[i] = last
  }
}
