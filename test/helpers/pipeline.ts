/** Run the processing core over bytes in memory: the documents, bad lines and stats. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { LineSplitter } from '../../src/source/lines.js'
import { Pipeline, DEFAULT_PIPELINE, type PipelineOptions } from '../../src/pipeline/pipeline.js'
import type { AuditshipEvent } from '../../src/event/types.js'
import type { LineError } from '../../src/parse/record.js'

export const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface Run {
  docs: AuditshipEvent[]
  errors: LineError[]
  invalid: number
  pipeline: Pipeline
}

export function runBytes (input: Buffer | string, opts: Partial<PipelineOptions> = {}, chunkSize = 1 << 20, maxLineBytes = 65536): Run {
  const docs: AuditshipEvent[] = []
  const errors: LineError[] = []
  let invalid = 0
  const pipeline = new Pipeline({ ...DEFAULT_PIPELINE, ...opts }, {
    event: (d) => { docs.push(d) },
    lineError: (e) => { errors.push(e) },
    invalid: () => { invalid++ },
  })
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  const splitter = new LineSplitter(maxLineBytes, pipeline)
  for (let i = 0; i < buf.length; i += chunkSize) splitter.push(buf.subarray(i, i + chunkSize))
  splitter.end()
  pipeline.end()
  return { docs, errors, invalid, pipeline }
}

export function runFixture (name: string, opts: Partial<PipelineOptions> = {}): Run {
  return runBytes(readFileSync(join(fixtures, name)), opts)
}

/** "serial:TYPE,TYPE" per event, in emission order. */
export function shapes (docs: AuditshipEvent[]): string[] {
  return docs.map((d) => `${d.auditd.node === undefined ? '' : d.auditd.node + ' '}${d.auditd.sequence}:${d.auditd.records.map((r) => r.type).join(',')}`)
}
