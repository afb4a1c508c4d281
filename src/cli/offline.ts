/**
 * The offline job behind `convert` and `search`: read audit logs in the order given, run
 * the pipeline, write matching events as NDJSON (or text), report bad lines and a summary.
 */
import { stat, type FileHandle } from 'node:fs/promises'
import { LineSplitter } from '../source/lines.js'
import { openAll, readHandle, readStream } from '../source/read-file.js'
import { Pipeline, type PipelineOptions, type PipelineStats } from '../pipeline/pipeline.js'
import { fromLatin1 } from '../parse/decode.js'
import type { AuditshipEvent } from '../event/types.js'
import { AppErrors, ExitCodes } from '../errors.js'
import { cannotRead, errnoText } from '../config/messages.js'
import { FdOutput, OutputClosed } from './output.js'
import { Progress } from './progress.js'
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

/** Ctrl-C: stop reading, write what is done and the summary so far. */
class Interrupted extends Error {
  constructor () { super('interrupted'); this.name = 'Interrupted' }
}

function lineText (latin1: string): string {
  const d = fromLatin1(latin1)
  return d.value
}

async function closeAll (handles: Array<FileHandle | 'stdin'>): Promise<void> {
  await Promise.all(handles.map(async (h) => (h === 'stdin' ? undefined : await h.close().catch(() => {}))))
}

/** The first input that is a directory (open() accepts one; reading it fails midway). */
async function directoryIn (inputs: string[], handles: Array<FileHandle | 'stdin'>): Promise<string | undefined> {
  for (let i = 0; i < handles.length; i++) {
    const h = handles[i]
    if (h !== 'stdin' && (await h.stat()).isDirectory()) return inputs[i]
  }
  return undefined
}

export async function runOffline (o: OfflineOptions): Promise<OfflineResult> {
  const stderr = (o.stderr ?? process.stderr) as NodeJS.WriteStream
  const inputs = o.inputs.length === 0 ? ['-'] : o.inputs
  let handles
  try {
    handles = await openAll(inputs)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    return { code: fail(o.command, AppErrors.FILE_READ, cannotRead(e.path ?? '?', e), ExitCodes.NO_INPUT, stderr), stats: emptyStats() }
  }
  const dir = await directoryIn(inputs, handles)
  if (dir !== undefined) {
    await closeAll(handles)
    return { code: fail(o.command, AppErrors.FILE_READ, `cannot read ${dir}: is a directory (EISDIR): give the log files in it`, ExitCodes.NO_INPUT, stderr), stats: emptyStats() }
  }

  const out = new FdOutput(1)
  let errOut: FdOutput | undefined
  try {
    errOut = o.errorsFile === undefined ? undefined : FdOutput.open(o.errorsFile)
  } catch (err) {
    const code = fail(o.command, AppErrors.FILE_WRITE, `cannot write ${o.errorsFile ?? ''}: ${errnoText(err)}`, ExitCodes.IO, stderr)
    await closeAll(handles)
    return { code, stats: emptyStats() }
  }
  const render = o.render
  const filter = o.filter
  let matched = 0
  let firstError: string | undefined

  const pipeline = new Pipeline(o.pipeline, {
    event (doc) {
      if (filter !== undefined && !filter(doc)) return
      matched++
      if (render !== undefined) { out.write(render(doc)); return }
      out.write(JSON.stringify(doc))
      out.newline()
    },
    lineError (err, source) {
      firstError ??= `${source === '-' ? 'stdin' : source}, offset ${err.offset}: ${err.error.message}`
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

  const progress = new Progress(stderr, o.command, inputs.includes('-') ? undefined : await inputSize(inputs), () => pipeline.stats.records)
  const started = Date.now()
  let interrupted = false
  // a stdin with nothing coming (a terminal, an idle pipe) would only notice at its next chunk
  const onInterrupt = (): void => { interrupted = true; if (inputs.includes('-')) process.stdin.destroy() }
  process.once('SIGINT', onInterrupt)
  let lastYield = started
  let bytes = 0
  let code: number = ExitCodes.OK
  let closed = false
  for (let i = 0; i < handles.length && !interrupted; i++) {
    const h = handles[i]
    pipeline.source = inputs[i]
    const splitter = new LineSplitter(o.maxLineBytes, pipeline)
    const base = bytes
    const after = async (n: number): Promise<void> => {
      progress.update(base + n)
      // files are read synchronously: let a signal in now and then
      const now = Date.now()
      if (now - lastYield > 50) { lastYield = now; await new Promise((resolve) => setImmediate(resolve)) }
      if (interrupted) throw new Interrupted()
    }
    try {
      bytes += h === 'stdin' ? await readStream(process.stdin, splitter, after) : await readHandle(h, splitter, after)
    } catch (err) {
      if (err instanceof OutputClosed) { closed = true; break }
      if (err instanceof Interrupted || interrupted) break
      code = fail(o.command, AppErrors.FILE_READ, `error reading ${inputs[i]}: ${errnoText(err)}`, ExitCodes.IO, stderr)
    }
  }
  process.removeListener('SIGINT', onInterrupt)
  try {
    // interrupted: what is still being assembled is not flushed half-done
    if (!closed && !interrupted) pipeline.end()
    out.close()
  } catch (err) {
    if (!(err instanceof OutputClosed)) throw err
    closed = true
  }
  errOut?.close()
  await closeAll(handles)
  progress.clear()

  const s = pipeline.stats
  const secs = (Date.now() - started) / 1000
  if (interrupted) stderr.write(`auditship ${o.command}: interrupted (SIGINT); the summary so far:\n`)
  stderr.write(`auditship ${o.command}: records=${s.records} events=${s.events} parse_errors=${s.parseErrors} incomplete=${s.incomplete} invalid=${s.invalid}` +
    (s.truncated === 0 ? '' : ` truncated=${s.truncated}`) + (filter === undefined ? '' : ` matched=${matched}`) + ` bytes=${bytes} seconds=${secs.toFixed(2)}\n`)
  if (interrupted) code = ExitCodes.INTERRUPTED
  else if (code === ExitCodes.OK && !closed && s.records === 0 && s.parseErrors > 0) {
    code = fail(o.command, AppErrors.NOT_AUDIT_LOG, `not an audit log: none of the ${s.parseErrors} lines read is an audit record (the first: ${firstError ?? '?'})`, undefined, stderr)
  }
  if (code === ExitCodes.OK && o.failOnInvalid && s.invalid > 0) code = ExitCodes.DATA
  return { code, stats: { ...s, bytes, matched } }
}

function emptyStats (): OfflineResult['stats'] {
  return { lines: 0, records: 0, parseErrors: 0, events: 0, incomplete: 0, invalid: 0, truncated: 0, skipped: 0, filtered: 0, bytes: 0, matched: 0 }
}

async function inputSize (inputs: string[]): Promise<number> {
  let total = 0
  for (const p of inputs) {
    if (p === '-') continue
    try { total += (await stat(p)).size } catch { /* reported when opened */ }
  }
  return total
}
