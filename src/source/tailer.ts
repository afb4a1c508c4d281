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
 *      never handed out, and the copy is followed instead.
 * MUST NOT skip silently: copytruncate is followed into the copy; truncation restarts the
 *      file and is counted; a file gone from every name is counted as lost and logged.
 * position() only ever names what has been handed out: a checkpoint taken from it never
 *      passes a line that read() has not returned.
 */
import { open, stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import { LineSplitter } from './lines.js'
import { FINGERPRINT_BYTES, compatible, identify, identifyHandle, openIfExists, sameFile, sameInode, type FileIdentity } from './identity.js'
import { planResume, type Plan, type ReadStep, type Snapshot } from './rotation.js'
import { rotatedSet } from './rotated.js'

export interface Position {
  path: string
  identity: FileIdentity
  /** byte offset of the next unread line start */
  offset: number
}

export interface ReadBatch {
  file: { path: string, identity: FileIdentity }
  lines: Array<{ line: string, offset: number, ascii: boolean }>
  tooLong: Array<{ prefix: string, offset: number, length: number }>
  /** offset after the last complete line in this batch */
  endOffset: number
}

export type TailerLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: object) => void

export interface TailerOptions {
  /** the live log, e.g. /var/log/audit/audit.log; rotated siblings are path.1, path.2 … */
  path: string
  /** a checkpoint, or (no checkpoint) offset 0 / the last line boundary of the live file */
  start: Position | 'beginning' | 'end'
  maxLineBytes: number
  chunkBytes: number
  pollIntervalMs: number
  log?: TailerLog
  /** false: no chokidar, the poll timer alone wakes the reader. Default true. */
  watch?: boolean
  /** how long a file left behind must stay unchanged at EOF before the next one is read. Default pollIntervalMs. */
  settleMs?: number
}

interface Current {
  fh: FileHandle
  path: string
  identity: FileIdentity
  /** bytes of this file consumed (pushed into the splitter) */
  readPos: number
  splitter: LineSplitter
}

/** identity of "no file yet" (the live file did not exist); a start position with it means 'beginning' */
export const NO_FILE: FileIdentity = Object.freeze({ dev: 0, ino: 0, fingerprint: '', fpLen: 0 })

const SNAPSHOT_TRIES = 5

export class Tailer {
  readonly stats = { bytesRead: 0, linesRead: 0, rotations: 0, truncations: 0, copytruncates: 0, filesLost: 0, bytesLost: 0 }
  private cur: Current | undefined
  /** files to read after the current one, oldest first */
  private queue: ReadStep[] = []
  /** batches completed while leaving a file, handed out before anything else */
  private ready: ReadBatch[] = []
  /** siblings known to be older than the file being read (not read again if it is lost) */
  private knownOlder: FileIdentity[] = []
  private pos: Position
  /** when the current file was first seen at EOF with no growth since */
  private eofSince: number | undefined
  private lines: ReadBatch['lines'] = []
  private tooLong: ReadBatch['tooLong'] = []
  private readonly buf: Buffer
  private readonly head = Buffer.allocUnsafe(FINGERPRINT_BYTES)
  private readonly settleMs: number
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private waiter: (() => void) | undefined
  private woken = false
  private closed = false
  private started = false
  private reading = false

  constructor (private readonly o: TailerOptions) {
    for (const k of ['maxLineBytes', 'chunkBytes', 'pollIntervalMs'] as const) {
      if (!Number.isInteger(o[k]) || o[k] <= 0) throw new RangeError(`Tailer: ${k} must be a positive integer`)
    }
    this.buf = Buffer.allocUnsafe(o.chunkBytes)
    this.settleMs = o.settleMs ?? o.pollIntervalMs
    this.pos = { path: o.path, identity: NO_FILE, offset: 0 }
  }

  private log (level: 'info' | 'warn' | 'error', msg: string, fields?: object): void {
    this.o.log?.(level, msg, fields)
  }

  async start (): Promise<void> {
    if (this.started) throw new Error('Tailer: start() called twice')
    this.started = true
    const s = this.o.start
    const snap = await this.snapshot()
    if (typeof s === 'object' && s.identity.ino !== 0) {
      const plan = planResume({ identity: s.identity, offset: s.offset }, snap)
      this.pos = { path: s.path, identity: s.identity, offset: s.offset }
      this.account(plan, { path: s.path, offset: s.offset }, false)
      this.knownOlder = olderThan(snap, plan)
      this.queue = plan.steps
    } else {
      const mode = typeof s === 'object' ? 'beginning' : s
      const live = snap[0]?.path === this.o.path ? snap[0] : undefined
      if (mode === 'beginning' && snap.length > 0) {
        // everything on disk, oldest first: audit.log.N … audit.log.1, audit.log (a rotation
        // between "first start" and "open" must not skip a file)
        // the rotated ones are older than the live file (queued here, never planned again)
        this.knownOlder = snap.filter((e) => e !== live).map((e) => e.identity)
        this.queue = [...snap].reverse().map((e) => ({ path: e.path, identity: e.identity, startOffset: 0 }))
      } else if (live === undefined) {
        this.knownOlder = snap.map((e) => e.identity)
        this.log('warn', 'the audit log does not exist yet: waiting for it', { path: this.o.path })
      } else {
        this.knownOlder = snap.filter((e) => e !== live).map((e) => e.identity)
        this.queue = [{ path: live.path, identity: live.identity, startOffset: await this.lineStartBefore(live.identity.size) }]
      }
    }
    await this.openNext()
    // nothing could be opened: a restart from position() must not count the same loss again
    if (this.cur === undefined) this.pos = { path: this.o.path, identity: NO_FILE, offset: 0 }

    if (this.o.watch !== false) {
      const dir = dirname(this.o.path)
      const base = basename(this.o.path)
      const w = watch(dir, { depth: 0, ignoreInitial: true, persistent: false })
      w.on('all', (_ev: string, p: string) => { if (basename(p).startsWith(base)) this.wake() })
      w.on('error', (err: unknown) => { this.log('warn', 'file watcher error: relying on polling', { err: String(err) }) })
      this.watcher = w
      let t: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => { w.once('ready', () => resolve()) }),
        new Promise<void>((resolve) => { t = setTimeout(resolve, 2000); t.unref() }),
      ])
      clearTimeout(t)
    }
    this.timer = setInterval(() => { this.wake() }, this.o.pollIntervalMs)
    this.timer.unref()
  }

  /** Where reading would resume: the file and offset after the last complete line handed out. */
  position (): Position {
    return this.pos
  }

  /** The next batch of complete lines; waits at EOF; null after close() or when `signal` aborts. One reader at a time. */
  async read (signal?: AbortSignal): Promise<ReadBatch | null> {
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

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.wake()
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.watcher?.close()
    await this.cur?.fh.close().catch(() => {})
    this.cur = undefined
  }

  private async next (signal?: AbortSignal): Promise<ReadBatch | null> {
    for (;;) {
      if (this.closed || signal?.aborted === true) return null
      const r = this.ready.shift()
      if (r !== undefined) return this.emit(r)
      const c = this.cur
      if (c === undefined) {
        if (this.queue.length > 0) { await this.openNext(); continue }
        // nothing to read (the live file does not exist): wait for it
        this.woken = false
        const live = await identify(this.o.path)
        if (live !== undefined) {
          this.queue = [{ path: this.o.path, identity: live, startOffset: 0 }]
          await this.openNext()
        } else {
          await this.sleep(signal)
        }
        continue
      }
      this.woken = false
      const { bytesRead } = await c.fh.read(this.buf, 0, this.buf.length, c.readPos)
      if (bytesRead > 0) {
        // the chunk counts only if the file still starts with our bytes: after a truncation
        // in place (copytruncate), what lies at readPos is someone else's data
        if (!await this.headUnchanged(c)) {
          if (await this.replan() === 'wait') await this.sleep(signal)
          continue
        }
        c.readPos += bytesRead
        this.stats.bytesRead += bytesRead
        this.eofSince = undefined
        c.splitter.push(bytesRead === this.buf.length ? this.buf : this.buf.subarray(0, bytesRead))
        const b = this.take(c)
        if (b !== undefined) return this.emit(b)
        continue
      }
      if (await this.atEof() === 'wait') await this.sleep(signal)
    }
  }

  /** At EOF of the current file: stay and wait, or move on ('again'). */
  private async atEof (): Promise<'wait' | 'again'> {
    const c = this.cur as Current
    const now = Date.now()
    if (this.eofSince === undefined) this.eofSince = now
    const settled = now - this.eofSince >= this.settleMs
    if (this.queue.length > 0) {
      // a newer file is known: leave this one once it stopped growing
      if (!settled) return 'wait'
      await this.finishCurrent()
      await this.openNext()
      return 'again'
    }
    const live = await stat(this.o.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined
      throw err
    })
    if (live !== undefined && live.dev === c.identity.dev && live.ino === c.identity.ino) {
      if (live.size >= c.readPos && await this.headUnchanged(c)) return 'wait'
      return await this.replan()
    }
    // renamed away (or deleted), and no new file at the path yet: keep draining ours
    if (live === undefined) return 'wait'
    // another file at the live path: ours was rotated; move on once ours has settled
    if (!settled) return 'wait'
    return await this.replan()
  }

  /** Something happened to the current file: look at the rotated set and follow. */
  private async replan (): Promise<'wait' | 'again'> {
    const c = this.cur as Current
    const snap = await this.snapshot()
    const plan = planResume({ identity: c.identity, offset: c.readPos }, snap, { knownOlder: this.knownOlder, held: true })
    this.knownOlder = olderThan(snap, plan)
    const from = { path: c.path, offset: c.readPos }
    switch (plan.kind) {
      case 'same':
        return 'wait'
      case 'rotated':
        // ours is still open: drain it (atEof leaves it once settled), then the newer files
        c.path = plan.steps[0].path
        this.account(plan, from, true)
        this.queue = plan.steps.slice(1)
        return 'again'
      case 'lost':
        // under no name any more, but we hold it open: it is drained by its fd, nothing lost;
        // every file still there that is not known to be older comes next
        if (plan.steps.length === 0) return 'wait'
        this.stats.rotations++
        this.log('info', 'the file being read was removed: draining it through its open descriptor', { path: c.path, offset: c.readPos, next: plan.steps.map((s) => s.path) })
        this.queue = plan.steps
        return 'again'
      case 'copytruncated': {
        this.account(plan, from, true)
        const [copy, ...rest] = plan.steps
        this.queue = rest
        await this.moveTo(copy)
        return 'again'
      }
      case 'truncated':
        this.account(plan, from, true)
        await this.finishCurrent()
        this.queue = plan.steps
        await this.openNext()
        return 'again'
    }
  }

  /** Count and log what a plan says happened. */
  private account (plan: Plan, from: { path: string, offset: number }, following: boolean): void {
    this.stats.rotations += plan.rotations
    this.stats.truncations += plan.truncations
    this.stats.copytruncates += plan.copytruncates
    this.stats.filesLost += plan.filesLost
    if (plan.bytesLost !== null) this.stats.bytesLost += plan.bytesLost
    const fields = { path: from.path, offset: from.offset, next: plan.steps.map((s) => `${s.path}@${s.startOffset}`), note: plan.note }
    switch (plan.kind) {
      case 'same': break
      case 'rotated': this.log('info', following ? 'log rotated: draining the old file before the new one' : 'resuming in a rotated file', { ...fields, rotations: plan.rotations }); break
      case 'copytruncated': this.log('warn', 'log copied and truncated in place: reading the rest from the copy', fields); break
      case 'truncated': this.log('warn', 'log truncated in place: reading it again from the start; what was written after the offset is lost (amount unknown)', fields); break
      case 'lost': this.log('error', 'the file being read is gone under every name: its unread rest is lost (amount unknown); reading the remaining files from the start', fields); break
    }
  }

  /** Open the next queued file, found by identity (it may have been renamed since); count the ones gone. */
  private async openNext (): Promise<void> {
    while (this.queue.length > 0) {
      const step = this.queue.shift() as ReadStep
      const found = await this.openVerified(step)
      if (found === undefined) {
        const known = Math.max(0, step.identity.size - step.startOffset)
        this.stats.filesLost++
        this.stats.bytesLost += known
        this.log('error', 'a file waiting to be read was removed before it could be read: its lines are lost', { path: step.path, offset: step.startOffset, bytesLost: known })
        continue
      }
      this.cur = {
        fh: found.fh,
        path: found.path,
        identity: found.identity,
        readPos: step.startOffset,
        splitter: new LineSplitter(this.o.maxLineBytes, {
          line: (line, offset, ascii) => { this.lines.push({ line, offset, ascii }) },
          tooLong: (prefix, offset, length) => { this.tooLong.push({ prefix, offset, length }) },
        }, step.startOffset),
      }
      this.eofSince = undefined
      if (this.ready.length === 0) this.pos = { path: found.path, identity: found.identity, offset: step.startOffset }
      return
    }
  }

  /** copytruncate: go on in the copy at the same offset, with the same splitter (same bytes). */
  private async moveTo (copy: ReadStep): Promise<void> {
    const c = this.cur as Current
    const found = await this.openVerified(copy)
    if (found === undefined) {
      this.stats.filesLost++
      this.log('error', 'the copy of the truncated file was removed before it could be read: the rest of the file is lost', { path: copy.path, offset: c.readPos })
      await this.finishCurrent()
      await this.openNext()
      return
    }
    await c.fh.close().catch(() => {})
    c.fh = found.fh
    c.path = found.path
    c.identity = found.identity
    this.eofSince = undefined
  }

  /** Leave the current file for good: its partial last line is a line. */
  private async finishCurrent (): Promise<void> {
    const c = this.cur as Current
    c.splitter.end()
    const b = this.take(c)
    if (b !== undefined) this.ready.push(b)
    this.cur = undefined
    await c.fh.close().catch(() => {})
  }

  private async openVerified (step: ReadStep): Promise<{ fh: FileHandle, path: string, identity: FileIdentity } | undefined> {
    const tryPath = async (path: string): Promise<{ fh: FileHandle, path: string, identity: FileIdentity } | undefined> => {
      const fh = await openIfExists(path)
      if (fh === undefined) return undefined
      const { size: _size, ...identity } = await identifyHandle(fh)
      if (sameFile(identity, step.identity)) return { fh, path, identity }
      await fh.close()
      return undefined
    }
    const direct = await tryPath(step.path)
    if (direct !== undefined) return direct
    // renamed since the plan was made (another rotation): look for it under every name
    for (const e of await this.snapshot()) {
      if (!sameFile(e.identity, step.identity)) continue
      const found = await tryPath(e.path)
      if (found !== undefined) return found
    }
    return undefined
  }

  /** Does the open file still start with the bytes it started with? (grows the fingerprint) */
  private async headUnchanged (c: Current): Promise<boolean> {
    const { bytesRead } = await c.fh.read(this.head, 0, FINGERPRINT_BYTES, 0)
    const fp = this.head.toString('hex', 0, bytesRead)
    if (!compatible(fp, c.identity.fingerprint)) return false
    if (fp.length > c.identity.fingerprint.length) c.identity = { dev: c.identity.dev, ino: c.identity.ino, fingerprint: fp, fpLen: bytesRead }
    return true
  }

  private take (c: Current): ReadBatch | undefined {
    if (this.lines.length === 0 && this.tooLong.length === 0) return undefined
    const b: ReadBatch = { file: { path: c.path, identity: c.identity }, lines: this.lines, tooLong: this.tooLong, endOffset: c.splitter.position }
    this.lines = []
    this.tooLong = []
    this.stats.linesRead += b.lines.length + b.tooLong.length
    return b
  }

  private emit (b: ReadBatch): ReadBatch {
    this.pos = { path: b.file.path, identity: b.file.identity, offset: b.endOffset }
    return b
  }

  /**
   * The live file and its rotated siblings, newest first. A directory listing followed by one
   * open per file is not atomic: repeat until two scans agree on the names and inodes.
   */
  private async snapshot (): Promise<Snapshot> {
    let prev: Snapshot | undefined
    for (let n = 0; n < SNAPSHOT_TRIES; n++) {
      const s: Snapshot = []
      for (const p of rotatedSet(this.o.path).reverse()) {
        const identity = await identify(p)
        if (identity !== undefined) s.push({ path: p, identity })
      }
      if (prev !== undefined && prev.length === s.length && prev.every((e, i) => e.path === s[i].path && sameInode(e.identity, s[i].identity))) return s
      prev = s
    }
    return prev as Snapshot
  }

  /** 'end': the offset after the last newline of the live file, so a partial last line is read whole. */
  private async lineStartBefore (size: number): Promise<number> {
    if (size === 0) return 0
    const fh = await open(this.o.path, 'r')
    try {
      const n = Math.min(size, this.o.maxLineBytes + 1)
      const b = Buffer.allocUnsafe(n)
      const { bytesRead } = await fh.read(b, 0, n, size - n)
      const nl = b.subarray(0, bytesRead).lastIndexOf(10)
      if (nl !== -1) return size - n + nl + 1
      // no newline within a line's length: 0 if that is the whole file, else inside an over-long line
      return n === size ? 0 : size
    } finally {
      await fh.close()
    }
  }

  private wake (): void {
    this.woken = true
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  /** Until woken (chokidar, the poll timer, close) or aborted; returns at once if woken meanwhile. */
  private async sleep (signal?: AbortSignal): Promise<void> {
    if (this.woken || this.closed || signal?.aborted === true) { this.woken = false; return }
    // a read waiting for data is pending work: keep the process alive meanwhile (the timer
    // is unref'd otherwise, so an idle Tailer never holds the process open)
    this.timer?.ref()
    await new Promise<void>((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done)
        if (this.waiter === done) this.waiter = undefined
        resolve()
      }
      this.waiter = done
      signal?.addEventListener('abort', done, { once: true })
    })
    this.timer?.unref()
    this.woken = false
  }
}

/** The snapshot entries a plan does not read: older than what it reads. */
function olderThan (snap: Snapshot, plan: Plan): FileIdentity[] {
  return snap.filter((e) => !plan.steps.some((s) => sameInode(s.identity, e.identity))).map((e) => e.identity)
}
