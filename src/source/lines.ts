/**
 * Bytes → lines with byte offsets.
 *
 * MUST keep a partial last line until it is completed (or until end()).
 * MUST bound a line's length: the bytes of an over-long line are not kept; it is reported
 *      once, with its offset, length and first bytes, and reading goes on at the next line.
 * Lines are handed out as latin1 strings (one char per byte) so offsets stay byte offsets
 * and no byte is altered; `ascii` is true when the chunk had no byte ≥ 0x80, which lets the
 * parser skip UTF-8 re-decoding. A RangeSink gets each line as a byte range of the chunk
 * instead, to decode later (line-list.ts); the chunk must then not be written again while
 * those ranges are held: the splitter itself only keeps copies.
 */
import { isAscii } from 'node:buffer'
import { latin1 } from './line-list.js'

export interface LineSink {
  line (line: string, offset: number, ascii: boolean): void
  tooLong (prefix: string, offset: number, length: number): void
}

export interface RangeSink {
  /** bytes [start, end) of `buf` are a complete line, at byte `offset` of the input */
  range (buf: Buffer, start: number, end: number, offset: number, ascii: boolean): void
  tooLong (prefix: string, offset: number, length: number): void
}

const PREFIX_BYTES = 256

export class LineSplitter {
  /** byte offset of the first byte not yet handed out as part of a complete line */
  private base = 0
  private partial: Buffer[] = []
  private partialLen = 0
  /** > 0 while skipping the rest of an over-long line: its length so far */
  private skipping = 0
  private skipPrefix = ''

  private readonly ranges: RangeSink | undefined
  private readonly lines: LineSink | undefined

  constructor (private readonly maxLineBytes: number, private readonly sink: LineSink | RangeSink, startOffset = 0) {
    this.base = startOffset
    if ('range' in sink) this.ranges = sink
    else this.lines = sink
  }

  /** Offset just after the last complete line handed out (where a reader could resume). */
  get position (): number {
    return this.base
  }

  /** Bytes held for an incomplete last line. */
  get pendingBytes (): number {
    return this.partialLen + this.skipping
  }

  push (chunk: Buffer): void {
    let start = 0
    const n = chunk.length
    if (this.skipping > 0 || this.partialLen > 0) {
      const nl = chunk.indexOf(10)
      const upto = nl === -1 ? n : nl
      if (this.skipping > 0) {
        this.skipping += upto
        if (nl === -1) return
        this.sink.tooLong(this.skipPrefix, this.base, this.skipping)
        this.base += this.skipping + 1
        this.skipping = 0
        this.skipPrefix = ''
        start = nl + 1
      } else if (this.partialLen + upto > this.maxLineBytes) {
        this.beginSkip(Buffer.concat([...this.partial, chunk.subarray(0, upto)]))
        if (nl === -1) return
        this.sink.tooLong(this.skipPrefix, this.base, this.skipping)
        this.base += this.skipping + 1
        this.skipping = 0
        start = nl + 1
      } else if (nl === -1) {
        this.partial.push(chunk)
        this.partialLen += n
        return
      } else {
        const whole = Buffer.concat([...this.partial, chunk.subarray(0, nl)])
        this.partial = []
        this.partialLen = 0
        this.whole(whole)
        this.base += whole.length + 1
        start = nl + 1
      }
    }
    if (start >= n) return
    const ascii = isAscii(chunk)
    const lastNl = chunk.lastIndexOf(10)
    if (lastNl >= start) {
      // each line its own string: a value sliced from it and kept (the Teleport join's
      // sessions, an event waiting for its end) keeps that line alive, not the whole read
      let p = start
      while (p <= lastNl) {
        const nl = chunk.indexOf(10, p)
        const len = nl - p
        if (len > this.maxLineBytes) {
          this.sink.tooLong(latin1(chunk, p, Math.min(nl, p + PREFIX_BYTES)), this.base + p - start, len)
        } else if (this.ranges !== undefined) {
          this.ranges.range(chunk, p, nl, this.base + p - start, ascii)
        } else {
          (this.lines as LineSink).line(latin1(chunk, p, nl), this.base + p - start, ascii)
        }
        p = nl + 1
      }
      this.base += lastNl + 1 - start
      start = lastNl + 1
    }
    if (start < n) {
      const rest = chunk.subarray(start)
      if (rest.length > this.maxLineBytes) {
        this.beginSkip(rest)
      } else {
        // copy: the caller may reuse its read buffer
        this.partial.push(Buffer.from(rest))
        this.partialLen += rest.length
      }
    }
  }

  /** End of input: a last line without a newline is still a line. */
  end (): void {
    if (this.skipping > 0) {
      this.sink.tooLong(this.skipPrefix, this.base, this.skipping)
      this.base += this.skipping
      this.skipping = 0
    } else if (this.partialLen > 0) {
      const whole = Buffer.concat(this.partial)
      this.partial = []
      this.partialLen = 0
      this.whole(whole)
      this.base += whole.length
    }
  }

  /** A line put together from held bytes (a buffer of its own), at `base`. */
  private whole (b: Buffer): void {
    if (this.ranges !== undefined) this.ranges.range(b, 0, b.length, this.base, isAscii(b))
    else (this.lines as LineSink).line(latin1(b, 0, b.length), this.base, isAscii(b))
  }

  private beginSkip (head: Buffer): void {
    this.skipPrefix = head.toString('latin1', 0, Math.min(PREFIX_BYTES, head.length))
    this.skipping = head.length
    this.partial = []
    this.partialLen = 0
  }
}
