/**
 * The daemon's old-generation growth, set when `run` starts.
 *
 * The daemon keeps every event until its sinks answer, so at full speed V8 promotes events,
 * tickets and join state to the old generation at a steady rate. By default V8 sizes the next
 * old-generation limit at 1.3× what survived the last full GC when the heap's bound is small
 * (ours is package.json `auditship.nodeFlags`), which with ~24 MB live left ~8 MB of room:
 * a full mark-compact every ~100 ms, 208 of them on the 1M-record syscall bench log (GC in
 * all was ~27 % of the main thread). A factor of 2 (capped by V8 at halfway between what is
 * live and the bound) halves them; `run` → `_bulk` went from 50–51k to 57–58k records/s there, +13–20 % on every
 * workload, peak RSS unchanged (README, Performance).
 *
 * Set at run time because node refuses this flag in NODE_OPTIONS (the single executable and
 * the .deb launcher pass the heap flags that way), and V8 reads it each time it sizes the
 * heap. Only `run` sets it: `convert` keeps little alive and gains nothing.
 */
import { setFlagsFromString } from 'node:v8'

export const HEAP_GROWING_PERCENT = 100

export function tuneHeapForDaemon (): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
