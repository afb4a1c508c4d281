/**
 * Follow the audit log as auditd writes and rotates it; pull-based.
 *
 * MUST read only when asked (read()), from an fd at explicit positions, one chunk in memory
 *      (plus a partial line ≤ maxLineBytes); chokidar and a poll timer only wake the reader.
 * MUST hand out complete lines with their byte offsets; a partial last line is held until it
 *      is completed, or until its file is left for good — then it is a line.
 * MUST drain the file being read through its open fd (same inode, whatever its name now)
 *      before moving on, including lines written after a rename: it is left only when a
 *      newer file exists and it has shown no growth at EOF for `settleMs`.
 * MUST verify, after every chunk, that the file still starts with the bytes it started with
 *      (copytruncate/truncation in place): a chunk read from rewritten content is dropped,
 *      never handed out, and the copy is followed instead; while the head is not pinned (an
 *      empty file), a new file below ours that begins like it is that copy (rotation.ts).
 * MUST, leaving a file read to its end, read next every file newer than it in the set as it
 *      is then (read-set.ts): a queued file copied away meanwhile is read from its copy.
 * MUST NOT skip silently: copytruncate is followed into the copy; truncation restarts the
 *      file and is counted; a file gone from every name is counted as lost and logged.
 * position() only ever names what has been handed out: a checkpoint taken from it never
 *      passes a line that read() has not returned. It does not name an empty file (it could
 *      not be told from a copy made later) but the end of the file before it.
 */
import { sameInode, statIfExists, type FileIdentity } from './identity.js'
import { pinned, type ReadStep } from './rotation.js'
import { openStep, OpenFile, type Found } from './open-file.js'
import { ReadSet, type Planned } from './read-set.js'
import { planStart } from './start.js'
import { reportAfter, reportGone, reportPlan, type TailerLog, type TailerStats } from './plan-report.js'
import { Wakeup } from './wakeup.js'
import { TailerHealth } from './health.js'
import type { Source, SourceBatch, SourcePosition, SourceStatus } from './source.js'

export type { TailerLog, TailerStats }
export type { TailerOptions } from './tailer-options.js'
import type { TailerOptions } from './tailer-options.js'

/** identity of "no file yet" (the live file did not exist); a start position with it means 'beginning' */
export const NO_FILE: FileIdentity = Object.freeze({ dev: 0, ino: 0, fingerprint: '', fpLen: 0 })

export class Tailer implements Source {
  readonly replayable = true
  readonly stats: TailerStats = { bytesRead: 0, linesRead: 0, rotations: 0, truncations: 0, copytruncates: 0, filesLost: 0, bytesLost: 0 }
  private cur: OpenFile | undefined
  /** the files queued after the current one and those known to be older */
  private readonly set: ReadSet
  /** batches completed while leaving a file, handed out before anything else */
  private ready: SourceBatch[] = []
  private pos: SourcePosition
  /** when the current file was first seen at EOF with no growth since */
  private eofSince: number | undefined
  private readonly buf: Buffer
  private readonly settleMs: number
  private readonly wakeup: Wakeup
  private readonly log: TailerLog
  private readonly health: TailerHealth
  private closed = false
  private started = false
  private reading = false

  constructor (private readonly o: TailerOptions) {
    for (const k of ['maxLineBytes', 'chunkBytes', 'pollIntervalMs'] as const) {
      if (!Number.isInteger(o[k]) || o[k] <= 0) throw new RangeError(`Tailer: ${k} must be a positive integer`)
    }
    this.log = o.log ?? (() => {})
    this.health = new TailerHealth(o.path, this.log)
    this.buf = Buffer.allocUnsafe(o.chunkBytes)
    this.settleMs = o.settleMs ?? o.pollIntervalMs
    this.pos = { path: o.path, identity: NO_FILE, offset: 0 }
    this.set = new ReadSet(o.path)
    this.wakeup = new Wakeup({
      path: o.path,
      pollIntervalMs: o.pollIntervalMs,
      watch: o.watch !== false,
      coalesceMs: o.coalesceMs,
      onWatchError: (err) => { this.log('warn', 'file watcher error: relying on polling', { err: String(err) }) },
    })
  }

  async start (): Promise<void> {
    if (this.started) throw new Error('Tailer: start() called twice')
    this.started = true
    const s = this.o.start
    const plan = await planStart(this.o.path, s, this.o.maxLineBytes)
    if (plan.resumed !== undefined && typeof s === 'object') {
      // a lost file is not named again: a restart from it would count the loss twice
      if (plan.resumed.kind !== 'lost') this.pos = { path: s.path, identity: s.identity, offset: s.offset }
      reportPlan(plan.resumed, { path: s.path, offset: s.offset }, false, this.stats, this.log)
    }
    if (plan.noLiveFile === true) { this.health.missing(); this.log('warn', 'the audit log does not exist yet: waiting for it', { path: this.o.path }) }
    this.set.reset(plan.steps, plan.knownOlder)
    await this.openNext()
    // nothing could be opened: a restart from position() must not count the same loss again
    if (this.cur === undefined) this.pos = { path: this.o.path, identity: NO_FILE, offset: 0 }
    await this.wakeup.start()
  }

  /** Where reading would resume: the file and offset after the last complete line handed out. */
  position (): SourcePosition {
    return this.pos
  }

  /** For readiness: whether a file is being read, what is wrong with the live log, bytes not handed out yet. */
  async status (): Promise<SourceStatus> { return await this.health.status(this.cur, this.pos, this.set.queue) }

  /** The next batch of complete lines; waits at EOF; null after close() or when `signal` aborts. One reader at a time. */
  async read (signal?: AbortSignal): Promise<SourceBatch | null> {
    if (this.closed) return null
    if (!this.started) throw new Error('Tailer: read() before start()')
    if (this.reading) throw new Error('Tailer: read() while another read() is pending')
    this.reading = true
    try {
      return await this.next(signal)
    } catch (err) {
      if (this.closed) return null
      throw err
    } finally {
      this.reading = false
    }
  }

  /** Time spent asleep until the log changes (the wakeup's idle clock). */
  waitedMs (): number { return this.wakeup.waitedMs() }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.wakeup.close()
    await this.cur?.close()
    this.cur = undefined
  }

  private async next (signal?: AbortSignal): Promise<SourceBatch | null> {
    for (;;) {
      if (this.closed || signal?.aborted === true) return null
      const r = this.ready.shift()
      if (r !== undefined) return this.emit(r)
      const c = this.cur
      if (c === undefined) {
        if (this.set.queue.length > 0) { await this.openNext(); continue }
        // nothing to read (the live file does not exist): wait for it
        this.wakeup.clear()
        const live = await this.health.probe()
        if (live !== undefined) {
          this.set.queue = [{ path: this.o.path, identity: live, startOffset: 0 }]
          await this.openNext()
        } else {
          await this.wakeup.sleep(signal)
        }
        continue
      }
      this.wakeup.clear()
      const bytesRead = await c.read(this.buf)
      if (bytesRead > 0) {
        // the chunk counts only if the file still starts with our bytes: after a truncation
        // in place (copytruncate), what lies at readPos is someone else's data (or, the head
        // not pinned yet, looks like ours: then the copy is below ours)
        if (!pinned(c.identity)) {
          const plan = await this.set.plan(c.identity, c.readPos)
          if (plan.kind === 'copytruncated') { await this.follow(plan); continue }
        }
        if (!await c.headUnchanged()) {
          if (await this.replan() === 'wait') await this.wakeup.sleep(signal)
          continue
        }
        this.stats.bytesRead += bytesRead
        this.eofSince = undefined
        c.push(bytesRead === this.buf.length ? this.buf : this.buf.subarray(0, bytesRead))
        const b = this.counted(c.take())
        if (b !== undefined) return this.emit(b)
        continue
      }
      if (await this.atEof() === 'wait') await this.wakeup.sleep(signal)
    }
  }

  /** At EOF of the current file: stay and wait, or move on ('again'). */
  private async atEof (): Promise<'wait' | 'again'> {
    const c = this.cur as OpenFile
    const now = Date.now()
    if (this.eofSince === undefined) this.eofSince = now
    const settled = now - this.eofSince >= this.settleMs
    if (this.set.queue.length > 0) {
      // a newer file is known: leave this one once it stopped growing, for what is newer now
      if (!settled) return 'wait'
      await this.finishCurrent()
      reportAfter(await this.set.after(c.identity), c.path, this.stats, this.log)
      await this.openNext()
      return 'again'
    }
    const live = await statIfExists(this.o.path)
    // renamed away (or deleted), and no new file at the path yet: keep draining ours
    if (live === undefined) { this.health.missing(); return 'wait' }
    this.health.ok()
    if (live.dev === c.identity.dev && live.ino === c.identity.ino) {
      // a head not pinned yet is looked at in the set: a copy of it may be there
      if (live.size >= c.readPos && pinned(c.identity) && await c.headUnchanged()) return 'wait'
      return await this.replan()
    }
    // another file at the live path: ours was rotated; move on once ours has settled
    if (!settled) return 'wait'
    return await this.replan()
  }

  /** Something happened to the current file: look at the rotated set and follow. */
  private async replan (): Promise<'wait' | 'again'> {
    const c = this.cur as OpenFile
    return await this.follow(await this.set.plan(c.identity, c.readPos))
  }

  private async follow (plan: Planned): Promise<'wait' | 'again'> {
    const c = this.cur as OpenFile
    const from = { path: c.path, offset: c.readPos }
    switch (plan.kind) {
      case 'same':
        this.set.follow(plan)
        return 'wait'
      case 'rotated':
        // ours is still open: drain it (atEof leaves it once settled), then the newer files
        c.path = plan.steps[0].path
        reportPlan(plan, from, true, this.stats, this.log)
        this.set.follow(plan, plan.steps.slice(1))
        return 'again'
      case 'lost':
        // under no name any more, but we hold it open: it is drained by its fd, nothing lost;
        // every file still there that is not known to be older comes next
        if (plan.steps.length === 0) { this.set.follow(plan); return 'wait' }
        this.stats.rotations++
        this.log('info', 'the file being read was removed: draining it through its open descriptor', { path: c.path, offset: c.readPos, next: plan.steps.map((s) => s.path) })
        this.set.follow(plan, plan.steps)
        return 'again'
      case 'copytruncated': {
        reportPlan(plan, from, true, this.stats, this.log)
        const [copy, ...rest] = plan.steps
        this.set.follow(plan, rest)
        await this.moveTo(copy)
        return 'again'
      }
      case 'truncated':
        reportPlan(plan, from, true, this.stats, this.log)
        await this.finishCurrent()
        this.set.follow(plan, plan.steps)
        await this.openNext()
        return 'again'
    }
  }

  /** Open the next queued file, found by identity or by its bytes (renamed or copied since); count the ones gone. */
  private async openNext (): Promise<void> {
    for (let step = this.set.queue.shift(); step !== undefined; step = this.set.queue.shift()) {
      const found = await openStep(step, this.o.path)
      if (found === undefined) { reportGone(step, this.stats, this.log); continue }
      this.cur = new OpenFile(found, step.startOffset, this.o.maxLineBytes)
      this.eofSince = undefined
      if (this.ready.length === 0 && !this.unnamed(found)) this.pos = { path: found.path, identity: found.identity, offset: step.startOffset }
      return
    }
  }

  /** An empty file after another one: a position in it could not be told from one in a copy made later. */
  private unnamed (found: Found): boolean {
    return found.identity.fingerprint === '' && this.pos.identity.ino !== 0 && !sameInode(this.pos.identity, found.identity)
  }

  /** copytruncate: go on in the copy at the same offset, with the same splitter (same bytes). */
  private async moveTo (copy: ReadStep): Promise<void> {
    const c = this.cur as OpenFile
    const found = await openStep(copy, this.o.path)
    if (found === undefined) {
      reportGone({ ...copy, startOffset: c.readPos }, this.stats, this.log, 'the copy of the truncated file was removed before it could be read: the rest of the file is lost')
      await this.finishCurrent()
      await this.openNext()
      return
    }
    await c.moveTo(found)
    this.eofSince = undefined
  }

  /** Leave the current file for good: its partial last line is a line. */
  private async finishCurrent (): Promise<void> {
    const c = this.cur as OpenFile
    const b = this.counted(c.end())
    if (b !== undefined) this.ready.push(b)
    this.set.left(c.identity)
    this.cur = undefined
    await c.close()
  }

  /** A batch taken from the current file, counted. */
  private counted (b: SourceBatch | undefined): SourceBatch | undefined {
    if (b !== undefined) this.stats.linesRead += b.lines.length + b.tooLong.length
    return b
  }

  private emit (b: SourceBatch): SourceBatch {
    this.pos = { path: b.file.path, identity: b.file.identity, offset: b.endOffset }
    return b
  }
}
