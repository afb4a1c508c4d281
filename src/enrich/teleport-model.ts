/**
 * The data of the Teleport join (teleport.ts): identities, process bindings and the bounded
 * maps that hold them. Everything here is plain data so that it can be saved with the
 * checkpoint and restored.
 */
import { copyOf } from '../parse/intern.js'

export interface Identity {
  user: string
  login?: string
  addr?: string
  terminal?: string
  /** pid of the teleport exec child */
  pid?: number
  ses?: string
  /** log time at which `ses` was bound (a later LOGIN allocating the same ses proves it stale) */
  sesSince?: number
  /** log time of USER_END, once seen */
  endedAt?: number
  /** unique id of this login, to find its process bindings */
  id: number
}

export interface ProcBinding {
  identity: number
  /** the parent pid we learned for this process, when known */
  ppid?: number
  /**
   * Log time from which the binding holds. An event older than that is of an earlier process
   * with the same pid: after a restart the log is read again from the checkpoint while the
   * state saved with it already holds what was learnt later. Absent in states saved by older
   * versions (then it holds for every event).
   */
  since?: number
}

/** A Map used as an LRU: reads refresh, inserts beyond `max` drop the oldest. */
export class Lru<K, V> {
  readonly map = new Map<K, V>()
  /** called with what an insert drops */
  onEvict: ((k: K, v: V) => void) | undefined
  /** the key set or read last: already the newest, a read of it moves nothing */
  private newest: K | undefined
  constructor (private readonly max: number) {}
  get (k: K): V | undefined {
    const v = this.map.get(k)
    if (v !== undefined && k !== this.newest) { this.map.delete(k); this.map.set(k, v); this.newest = k }
    return v
  }

  has (k: K): boolean { return this.map.has(k) }

  set (k: K, v: V): void {
    this.map.delete(k)
    this.map.set(k, v)
    this.newest = k
    if (this.map.size > this.max) {
      const [ek, ev] = this.map.entries().next().value as [K, V]
      this.map.delete(ek)
      this.onEvict?.(ek, ev)
    }
  }

  delete (k: K): void {
    this.map.delete(k)
    if (k === this.newest) this.newest = undefined
  }
}

/**
 * A copy of `s` that does not keep its source alive: a value sliced from a line would
 * otherwise pin the whole line for as long as the binding lives (parse/intern.ts).
 */
export function detach (s: string | undefined): string | undefined {
  return s === undefined ? undefined : copyOf(s)
}

export function int (v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  return Number.isInteger(n) && n >= 0 ? n : undefined
}
