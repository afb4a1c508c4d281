/**
 * The restart rule as the runner wires it (docs/design.md §2.7): each finished event is told to
 * the low-water mark (it may span a later checkpoint); the checkpoint saves the position with
 * the delivered events whose records continue past it (`skip`); at start, that list is carried
 * over and the pipeline leaves their records out, so that no fragment of a delivered event is
 * shipped again as an event of its own. Each sink's own position is saved too (`sinks`, by
 * name) and given back at start: an event a sink had before its position is not sent to it again.
 */
import type { Pipeline } from '../pipeline/pipeline.js'
import type { AuditEventRecords } from '../correlate/reassembler.js'
import type { LowWaterMark } from '../delivery/low-water-mark.js'
import type { Checkpoint, CheckpointState } from '../delivery/checkpoint-store.js'

/** An event left the pipeline (to the sinks or the dead letter): only a replayable source is read again. */
export function finishedEvent (mark: LowWaterMark, replayable: boolean, ev: AuditEventRecords): void {
  if (replayable) mark.finished({ key: ev.key, firstSeq: ev.records[0].seq, last: ev.last, overlapped: ev.overlapped })
}

/** What the checkpoint saves now: position, `skip` and each sink's position (`names` by sink index) at the same mark, and the pipeline's state as of it. */
export function checkpointState (mark: LowWaterMark, pipeline: Pipeline, names: readonly string[] = []): CheckpointState {
  const { position, skip, sinks } = mark.resume()
  const bySink = position === null || sinks === undefined ? undefined : Object.fromEntries(sinks.map((p, i) => [names[i] ?? String(i), p]))
  return { position, ...(skip.length > 0 ? { skip } : {}), ...(bySink === undefined ? {} : { sinks: bySink }), teleport: pipeline.exportState(mark.mark()?.seq) }
}

/** At start from a checkpoint: the sinks' positions (`names` by sink index; one not listed resumes at `position`) and the `skip` list. */
export function resumeAt (mark: LowWaterMark, pipeline: Pipeline, cp: Checkpoint | undefined, names: readonly string[]): void {
  if (cp?.position != null && cp.sinks !== undefined) {
    const saved = cp.sinks
    mark.resumeSinks(names.map((n) => Object.hasOwn(saved, n) ? saved[n] : undefined), cp.position.identity)
  }
  carrySkip(mark, pipeline, cp)
}

/**
 * A token that changes whenever checkpointState() may: records read, events finished (the
 * join's input, the skip list's entries), settlements (the mark, the skip list), where reading
 * stands. The checkpointer builds and saves the state only when it changed.
 */
export function checkpointVersion (mark: LowWaterMark, pipeline: Pipeline): string {
  const s = pipeline.stats
  return `${pipeline.seq}|${s.events}|${s.invalid}|${s.filtered}|${mark.settlements}|${JSON.stringify(mark.position())}`
}

/** At start from a checkpoint: its `skip` list is carried over and the pipeline leaves those records out. */
export function carrySkip (mark: LowWaterMark, pipeline: Pipeline, cp: Checkpoint | undefined): void {
  if (cp?.position == null || cp.skip === undefined) return
  const tails = mark.tails
  tails.carry(cp.skip)
  pipeline.resume(cp.skip, { seen: (e, seq) => tails.seen(e, seq), passed: (e) => tails.passed(e) })
}
