/**
 * The complete lines of a source batch, kept as byte ranges and decoded one at a time.
 *
 * A batch holds the lines of a whole read (~1,000 for 256 KiB). Decoded up front, they all
 * stayed alive while the batch was processed, and processing a batch allocates enough to run
 * V8's young-generation GC twice, so every line string was copied to the old generation and
 * later collected there: in `run`, that was most of what V8 promoted (436 MB over the
 * 1M-record syscall bench log, against 21 MB in `convert`, which decodes a line just before
 * parsing it). Here the bytes wait outside the V8 heap and each line is decoded when it is fed.
 *
 * MUST NOT be handed a buffer its owner writes again while the list is in use (a source copies
 *      the chunk it reads into a reused buffer; line-splitter ranges point into the chunk).
 */
import type { SourceLine } from './source.js'

/** Bytes [start, end) as a latin1 string: Buffer's own binding, without toString's argument checks (a call per line). */
export const latin1 = (b: Buffer, start: number, end: number): string => (b as Buffer & { latin1Slice: (s: number, e: number) => string }).latin1Slice(start, end)

export class LineList {
  private readonly bufs: Buffer[] = []
  private readonly starts: number[] = []
  private readonly ends: number[] = []
  private readonly offsets: number[] = []
  private readonly asciis: boolean[] = []

  /** A list of these lines (tests, and sources that have strings). Latin1: one byte per char. */
  static of (lines: readonly SourceLine[]): LineList {
    const l = new LineList()
    for (const x of lines) {
      const b = Buffer.from(x.line, 'latin1')
      l.add(b, 0, b.length, x.offset, x.ascii)
    }
    return l
  }

  get length (): number {
    return this.offsets.length
  }

  /** bytes [start, end) of `buf`, the line that starts at byte `offset` of its file */
  add (buf: Buffer, start: number, end: number, offset: number, ascii: boolean): void {
    this.bufs.push(buf)
    this.starts.push(start)
    this.ends.push(end)
    this.offsets.push(offset)
    this.asciis.push(ascii)
  }

  /** Line `i`, decoded now (latin1: one char per byte, so offsets stay byte offsets). */
  line (i: number): string {
    return latin1(this.bufs[i], this.starts[i], this.ends[i])
  }

  offset (i: number): number {
    return this.offsets[i]
  }

  /** no byte ≥ 0x80 in line `i` (the parser may skip UTF-8 decoding) */
  ascii (i: number): boolean {
    return this.asciis[i]
  }

  /** Every line decoded (tests, small batches). */
  toArray (): SourceLine[] {
    const out: SourceLine[] = []
    for (let i = 0; i < this.length; i++) out.push({ line: this.line(i), offset: this.offsets[i], ascii: this.asciis[i] })
    return out
  }
}
