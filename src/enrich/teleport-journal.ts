/**
 * Undo journal of the Teleport join, so that the state saved with a checkpoint is the state
 * at the checkpoint's position.
 *
 * The daemon's checkpoint holds the position of the oldest record not yet delivered; after a
 * restart everything from there is read and joined again. Saving the join state as it stands
 * (ahead of that position) would join those events a second time against what was learnt
 * after them: a binding that ended later is missing, a parent that was re-bound later looks
 * like an outsider, and the evidence rules then end valid bindings. Instead, every change the
 * join makes while applying an event is noted with the read-order number (`seq`) of the
 * event's first record, and the state is exported with the changes of the events at or after
 * the checkpoint's seq undone. Entries before it are no longer needed (a checkpoint never
 * moves back) and are dropped then.
 */
import type { Identity, ProcBinding } from './teleport-model.js'
import type { NodeBoot } from './boot.js'

/** One change, as the value before it (null: there was none). */
export type Undo =
  | ['p', string, ProcBinding | null]
  | ['s', string, number | null]
  | ['i', number, Identity | null]
  | ['d', string, boolean]
  | ['m', string, string | null]
  | ['b', string, NodeBoot | null]

interface Entry { seq: number, undo: Undo[] }

export class Journal {
  private entries: Entry[] = []
  private head = 0
  private cur: Entry | undefined
  /** the highest seq whose entry was dropped for room: no rollback to it or before */
  private lost = -Infinity

  constructor (private readonly max: number) {}

  begin (seq: number): void { this.cur = { seq, undo: [] } }

  note (u: Undo): void { this.cur?.undo.push(u) }

  end (): void {
    const e = this.cur
    this.cur = undefined
    if (e === undefined || e.undo.length === 0) return
    this.entries.push(e)
    if (this.entries.length - this.head > this.max) {
      this.lost = Math.max(this.lost, this.entries[this.head].seq)
      this.head++
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) { this.entries = this.entries.slice(this.head); this.head = 0 }
  }

  /**
   * The changes made by events with seq ≥ `from`, last applied first, each entry's own changes
   * in reverse; undefined if the journal no longer reaches back that far. Drops the entries
   * before `from` at its head.
   */
  undoFrom (from: number): Undo[] | undefined {
    while (this.head < this.entries.length && this.entries[this.head].seq < from) this.head++
    if (from <= this.lost) return undefined
    const out: Undo[] = []
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      // events complete out of read order: one that began before `from` but was applied
      // after others is not read again, and keeps its changes
      if (this.entries[i].seq < from) continue
      const u = this.entries[i].undo
      for (let j = u.length - 1; j >= 0; j--) out.push(u[j])
    }
    return out
  }

  /** Nothing will be read again (no position to resume from): drop everything. */
  clear (): void { this.entries = []; this.head = 0 }
}
