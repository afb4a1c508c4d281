/**
 * A batch from the source into the pipeline: its lines and over-long lines in offset order
 * (the source keeps them in two lists), named after the file they came from.
 */
import type { SourceBatch } from '../source/source.js'
import type { LineSink } from '../source/lines.js'

export interface FeedTarget extends LineSink {
  /** generation of the file being read (delivery tracking) */
  gen: number
  /** name of the input, for error reports */
  source: string
}

export function feed (p: FeedTarget, batch: SourceBatch, gen: number): void {
  p.gen = gen
  p.source = batch.file.path
  const long = batch.tooLong
  const lines = batch.lines
  let j = 0
  for (let i = 0; i < lines.length; i++) {
    const offset = lines.offset(i)
    while (j < long.length && long[j].offset < offset) { const x = long[j++]; p.tooLong(x.prefix, x.offset, x.length) }
    // decoded just before it is parsed, so that the string dies young (line-list.ts)
    p.line(lines.line(i), offset, lines.ascii(i))
  }
  while (j < long.length) { const x = long[j++]; p.tooLong(x.prefix, x.offset, x.length) }
}
