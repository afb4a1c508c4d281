/**
 * The offline job behind `convert` and `search`: read audit logs in the order given, run
 * the pipeline, write matching events as NDJSON (or text), report bad lines and a summary.
 */
import { stat } from 'node:fs/promises'
import { LineSplitter } from '../source/lines.js'
import { openAll, readHandle, readStream } from '../source/read-file.js'
import { Pipeline, type PipelineOptions, type PipelineStats } from '../pipeline/pipeline.js'
import { fromLatin1 } from '../parse/decode.js'
import type { AuditshipEvent } from '../event/types.js'
import { AppErrors, ExitCodes } from '../errors.js'
import { FdOutput, OutputClosed } from './output.js'
import { fail, report } from './report.js'

export interface OfflineOptions {
  inputs: string[]
  pipeline: PipelineOptions
  maxLineBytes: number
  errorsFile?: string
  /** keep only events this returns true for */
  filter?: (doc: AuditshipEvent) => boolean
  /** render one event; default JSON */
  render?: (doc: AuditshipEvent) => string
  /** command name for messages */
  command: string
  /** exit non-zero when any event failed validation */
  failOnInvalid: boolean
  stderr?: NodeJS.WritableStream
}

export interface OfflineResult {
  code: number
  stats: PipelineStats & { bytes: number, matched: number }
}

const PROGRESS_MIN_BYTES = 8 << 20

function lineText (latin1: string): string {
  const d = fromLatin1(latin1)
  return d.value
}

export async function runOffline (o: OfflineOptions): Promise<OfflineResult> {
  const stderr = (o.stderr ?? process.stderr) as NodeJS.WriteStream
  const inputs = o.inputs.length === 0 ? ['-'] : o.inputs
  let handles
  try {
    handles = await openAll(inputs)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    return { code: fail(o.command, AppErrors.FILE_READ, `cannot read ${e.path ?? '?'}: ${e.code ?? ''} ${e.message}`, ExitCodes.NO_INPUT, stderr), stats: emptyStats() }
  }

  const out = new FdOutput(1)
  let errOut: FdOutput | undefined
  try {
    errOut = o.errorsFile === undefined ? undefined : FdOutput.open(o.errorsFile)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const code = fail(o.command, AppErrors.FILE_WRITE, `cannot write ${o.errorsFile ?? ''}: ${e.code ?? ''} ${e.message}`, ExitCodes.IO, stderr)
    await Promise.all(handles.map(async (h) => (h === 'stdin' ? undefined : await h.close())))
    return { code, stats: emptyStats() }
  }
  const render = o.render ?? ((d: AuditshipEvent) => JSON.stringify(d) + '\n')
  const filter = o.filter
  let matched = 0

  const pipeline = new Pipeline(o.pipeline, {
    event (doc) {
      if (filter !== undefined && !filter(doc)) return
      matched++
      out.write(render(doc))
    },
    lineError (err, source) {
      errOut?.write(JSON.stringify({
        source, offset: err.offset, code: err.error.code, reason: err.error.message + (err.detail === undefined ? '' : ` (${err.detail})`), line: lineText(err.line),
      }) + '\n')
    },
    invalid (doc, issues, ev) {
      const first = issues[0]
      report(o.command, AppErrors.SCHEMA_INVALID, `event ${ev.key} does not match the event schema: ${first.path} ${first.message}`, stderr)
      errOut?.write(JSON.stringify({ code: AppErrors.SCHEMA_INVALID.code, reason: AppErrors.SCHEMA_INVALID.message, issues, event: doc }) + '\n')
    },
  })

  const totalBytes = await inputSize(inputs)
  const progress = stderr.isTTY === true && totalBytes > PROGRESS_MIN_BYTES
  const started = Date.now()
  let lastProgress = 0
  let bytes = 0
  let code: number = ExitCodes.OK
  let closed = false
  for (let i = 0; i < handles.length; i++) {
    const h = handles[i]
    pipeline.source = inputs[i]
    const splitter = new LineSplitter(o.maxLineBytes, pipeline)
    const base = bytes
    const after = async (n: number): Promise<void> => {
      if (progress) {
        const now = Date.now()
        if (now - lastProgress > 250) {
          lastProgress = now
          const done = base + n
          const rate = pipeline.stats.records / Math.max(0.001, (now - started) / 1000)
          stderr.write(`\rauditship ${o.command}: ${((100 * done) / totalBytes).toFixed(0)}% ${(done / 1e6).toFixed(0)} MB, ${pipeline.stats.records} records (${Math.round(rate)}/s)  `)
        }
      }
    }
    try {
      bytes += h === 'stdin' ? await readStream(process.stdin, splitter, after) : await readHandle(h, splitter, after)
    } catch (err) {
      if (err instanceof OutputClosed) { closed = true; break }
      const e = err as NodeJS.ErrnoException
      code = fail(o.command, AppErrors.FILE_READ, `error reading ${inputs[i]}: ${e.code ?? ''} ${e.message}`, ExitCodes.IO, stderr)
    }
  }
  try {
    if (!closed) pipeline.end()
    out.close()
  } catch (err) {
    if (!(err instanceof OutputClosed)) throw err
    closed = true
  }
  errOut?.close()
  for (let j = 0; j < handles.length; j++) { const h = handles[j]; if (h !== 'stdin') await h.close().catch(() => {}) }
  if (progress) stderr.write('\r\x1b[K')

  const s = pipeline.stats
  const secs = (Date.now() - started) / 1000
  stderr.write(`auditship ${o.command}: records=${s.records} events=${s.events} parse_errors=${s.parseErrors} incomplete=${s.incomplete} invalid=${s.invalid}` +
    (filter === undefined ? '' : ` matched=${matched}`) + ` bytes=${bytes} seconds=${secs.toFixed(2)}\n`)
  if (code === ExitCodes.OK && o.failOnInvalid && s.invalid > 0) code = ExitCodes.DATA
  return { code, stats: { ...s, bytes, matched } }
}

function emptyStats (): OfflineResult['stats'] {
  return { lines: 0, records: 0, parseErrors: 0, events: 0, incomplete: 0, invalid: 0, bytes: 0, matched: 0 }
}

async function inputSize (inputs: string[]): Promise<number> {
  let total = 0
  for (const p of inputs) {
    if (p === '-') continue
    try { total += (await stat(p)).size } catch { /* reported when opened */ }
  }
  return total
}
