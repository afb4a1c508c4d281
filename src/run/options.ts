/** What the runner is given: the source, the pipeline's options, the bounds and the sinks. */
import type { Logger } from '../telemetry/logger.js'
import type { PipelineOptions } from '../pipeline/pipeline.js'
import type { QueueOptions } from '../ship/queue.js'
import type { Sink } from '../ship/sink.js'
import type { Source, SourcePosition } from '../source/source.js'

export interface RunnerOptions {
  /** opens the source, at the checkpoint's position when there is one */
  source: (resume: SourcePosition | undefined) => Source
  pipeline: PipelineOptions
  idleTimeoutMs: number
  stateDir: string
  checkpointIntervalMs: number
  /** after a delivery, save the checkpoint within this many ms, at most once per this many ms (0/absent: only on the interval) */
  checkpointAfterDeliveryMs?: number
  maxPendingEvents: number
  /** bytes of JSON waiting for delivery; with the heap bound, this keeps memory flat */
  maxPendingBytes: number
  deadLetterPath: string
  sinks: Array<{ sink: Sink, queue: QueueOptions }>
  shutdownTimeoutMs: number
  log: Logger
  /** source.read_from, for the start line (where reading begins without a checkpoint); default 'end' */
  readFrom?: 'beginning' | 'end'
  /** seconds between the info lines of running totals; 0 or absent: none */
  statsIntervalSecs?: number
}
