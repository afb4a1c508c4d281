/**
 * What every source of audit lines offers the runner (the tailer of a file and its rotated
 * siblings, auditd's plugin feed on stdin), and the one file-identity/position type that the
 * checkpoint, the delivery tracking and the tailer share.
 *
 * MUST hand out complete lines in read order, each with the byte offset of its start in the
 *      file named by its batch.
 * MUST read only when asked (read()), so that the caller's backpressure bounds memory.
 * read() resolves null when the source is closed, when `signal` aborts, or when a finite
 *      source (stdin) has ended; a source that cannot be read again (`replayable` false) hands
 *      out its partial last line as a line before that null.
 */
import type { FileIdentity } from './identity.js'
import type { LineList } from './line-list.js'

export type { FileIdentity }

/** A file as the sources name it: where it was, and which file it is. */
export interface SourceFile {
  /** the file's path when it was read ('stdin' for the plugin feed) */
  path: string
  identity: FileIdentity
}

/** A place in a file: where reading resumes (the checkpoint's position). */
export interface SourcePosition extends SourceFile {
  /** byte offset of the next line start */
  offset: number
}

export interface SourceLine {
  /** latin1: one char per byte, so offsets stay byte offsets */
  line: string
  offset: number
  /** no byte ≥ 0x80 (the parser may skip UTF-8 decoding) */
  ascii: boolean
}

/** An over-long line: reported by its first bytes, offset and length, never buffered whole. */
export interface SourceTooLong {
  prefix: string
  offset: number
  length: number
}

export interface SourceBatch {
  file: SourceFile
  /** the complete lines, in offset order (decoded one at a time: line-list.ts) */
  lines: LineList
  tooLong: SourceTooLong[]
  /** offset after the last complete line in this batch */
  endOffset: number
}

/** Running totals of a file source, for the metrics endpoint. */
export interface SourceStats {
  bytesRead: number
  rotations: number
  truncations: number
  copytruncates: number
  filesLost: number
}

/** Why the live log cannot be read now: it does not exist, or opening it fails (`error`). */
export interface SourceProblem {
  kind: 'missing' | 'unreadable'
  path: string
  /** when it started (ms since the epoch) */
  since: number
  error?: string
}

/** What a source says about itself for readiness and the bytes-behind gauge (Source.status). */
export interface SourceStatus {
  /** a file is open and being read */
  reading: boolean
  problem: SourceProblem | undefined
  /** bytes on disk not handed out yet: the rest of the file being read and the files after it */
  unreadBytes: number
}

export interface Source {
  /**
   * true: what is not delivered is read again from position() on the next start (a file).
   * false: a feed (stdin): nothing can be read again, so at its end the events still being
   * assembled are emitted as they are.
   */
  readonly replayable: boolean
  readonly stats?: SourceStats
  start (): Promise<void>
  /** The next batch of lines; waits for data; null when closed, aborted or ended. One reader at a time. */
  read (signal?: AbortSignal): Promise<SourceBatch | null>
  /** Where reading would resume: after the last complete line handed out; null when it cannot resume. */
  position (): SourcePosition | null
  /**
   * Milliseconds spent so far waiting for new input with everything read handed out (a wait in
   * progress included; idle-clock.ts): the clock on which open events are closed as idle.
   */
  waitedMs (): number
  /** A file source's state for readiness (absent: nothing to say, e.g. stdin). */
  status? (): Promise<SourceStatus>
  close (): Promise<void>
}
