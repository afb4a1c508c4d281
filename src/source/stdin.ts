/**
 * auditd's plugin feed (`format = string` on stdin, or any readable stream) as a source.
 *
 * MUST hand out the lines of each chunk as it arrives, with their byte offsets in the feed.
 * MUST NOT keep a read waiting for the next chunk of an idle feed once its signal aborts.
 * A feed cannot be read again (no position): at its end, or when a read is aborted, the
 *      partial last line is handed out as a line, then read() returns null for good.
 * A short chunk (under COALESCE_BELOW bytes: the feed is not busy) is handed out with what
 *      arrives in the next `coalesceMs`: at low rates the cost is per wake-up, and auditd
 *      writes a few records at a time. A busy feed fills whole chunks and never waits. That
 *      wait is not idle time (idle-clock.ts): input came.
 */
import { LineSplitter } from './lines.js'
import { LineList } from './line-list.js'
import { IdleClock } from './idle-clock.js'
import type { Source, SourceBatch, SourceFile, SourceTooLong } from './source.js'

/** What the batches of the feed name as their file (dead-letter entries say `source: "stdin"`). */
export const STDIN_FILE: SourceFile = Object.freeze({ path: 'stdin', identity: Object.freeze({ dev: 0, ino: 0, fingerprint: '' }) })

/** a chunk this short says the feed is not busy (a pipe hands out up to 64 KiB at a time) */
export const COALESCE_BELOW = 16 << 10

export class StdinSource implements Source {
  readonly replayable = false
  private readonly it: AsyncIterator<Buffer>
  private readonly splitter: LineSplitter
  /** byte ranges of the stream's chunks (each chunk a buffer of its own, never written again) */
  private lines = new LineList()
  private tooLong: SourceTooLong[] = []
  private ended = false
  /** time spent waiting for the next chunk (a pipe holds little: a chunk there is as good as unwritten) */
  private readonly idle = new IdleClock()

  /** `coalesceMs`: how long a short chunk waits for more (0: handed out at once) */
  constructor (private readonly stream: NodeJS.ReadableStream, maxLineBytes: number, private readonly coalesceMs = 0) {
    this.it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
    this.splitter = new LineSplitter(maxLineBytes, {
      range: (buf, start, end, offset, ascii) => { this.lines.add(buf, start, end, offset, ascii) },
      tooLong: (prefix, offset, length) => { this.tooLong.push({ prefix, offset, length }) },
    })
  }

  async start (): Promise<void> {}

  waitedMs (): number { return this.idle.now() }

  /** Nothing to resume from: what was read is not read again. */
  position (): null {
    return null
  }

  async read (signal?: AbortSignal): Promise<SourceBatch | null> {
    while (!this.ended) {
      this.idle.waiting()
      let r
      try { r = await abortable(this.it.next(), signal) } finally { this.idle.got() }
      if (r === null || r.done === true) {
        if (r === null) void this.it.return?.()
        this.ended = true
        this.splitter.end()
        return this.take()
      }
      this.splitter.push(r.value)
      if (this.coalesceMs > 0 && r.value.length < COALESCE_BELOW) await this.gather(signal)
      const b = this.take()
      if (b !== null) return b
    }
    return null
  }

  /**
   * Wait coalesceMs, then take what the stream holds by then. Not idle time: input came, and
   * what follows it may already be in the pipe (an event must not be closed as idle meanwhile).
   */
  private async gather (signal: AbortSignal | undefined): Promise<void> {
    if (await abortable(delay(this.coalesceMs), signal) === null) return
    if (((this.stream as { readableLength?: number }).readableLength ?? 0) === 0) return
    // buffered: the iterator hands it out at once
    const r = await this.it.next()
    if (r.done === true) { this.ended = true; this.splitter.end() } else this.splitter.push(r.value)
  }

  async close (): Promise<void> {
    if (!this.ended) { this.ended = true; void this.it.return?.() }
  }

  private take (): SourceBatch | null {
    if (this.lines.length === 0 && this.tooLong.length === 0) return null
    const b: SourceBatch = { file: STDIN_FILE, lines: this.lines, tooLong: this.tooLong, endOffset: this.splitter.position }
    this.lines = new LineList()
    this.tooLong = []
    return b
  }
}

async function delay (ms: number): Promise<true> {
  return await new Promise((resolve) => { setTimeout(() => resolve(true), ms) })
}

/** `p`, or null as soon as `signal` aborts (the listener is removed either way). */
async function abortable<T> (p: Promise<T>, signal: AbortSignal | undefined): Promise<T | null> {
  if (signal === undefined) return await p
  if (signal.aborted) return null
  return await new Promise<T | null>((resolve, reject) => {
    const onAbort = (): void => { resolve(null) }
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v) },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err) },
    )
  })
}
