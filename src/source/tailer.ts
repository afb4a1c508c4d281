/**
 * Follow the audit log as auditd writes and rotates it; pull-based.
 *
 * MUST read only when asked (read()), at most one chunk per call: no unbounded buffering;
 *      chokidar (and a poll timer, for filesystems without events) only wake the reader.
 * MUST hand out complete lines with their byte offsets; a partial last line is held until
 *      completed, or until its file is left for good (then it is a line).
 * MUST drain a rotated file to its end before moving on, including lines written to it after
 *      the rename: the old file is left only when a newer one exists and the old one has
 *      shown no growth for one poll interval.
 * MUST NOT skip silently: copytruncate is followed into the copy; truncation restarts the
 *      file and is counted; a file gone from every name is counted as lost and logged.
 */
import { open, stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import { LineSplitter } from './lines.js'
import { identify, sameFile, sameContentStart, FINGERPRINT_BYTES, type FileIdentity } from './identity.js'
import { planAfter, type Candidate, type ReadStep } from './rotation.js'
import { rotatedSet } from './rotated.js'

export interface TailPosition {
  path: string
  identity: FileIdentity
  offset: number
}

export interface TailBatch {
  file: { path: string, identity: FileIdentity }
  lines: Array<{ line: string, offset: number, ascii: boolean }>
  tooLong: Array<{ prefix: string, offset: number, length: number }>
  endOffset: number
}

export interface TailerOptions {
  path: string
  start: TailPosition | 'beginning' | 'end'
  maxLineBytes: number
  chunkBytes: number
  pollIntervalMs: number
  /** notable happenings: rotation, truncation, loss */
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void
  /** set false to rely on polling only (tests) */
  watch?: boolean
}

export class Tailer {
  readonly stats = { bytesRead: 0, linesRead: 0, rotations: 0, truncations: 0, copytruncates: 0, filesLost: 0 }
  private fh: FileHandle | undefined
  private file: { path: string, identity: FileIdentity } | undefined
  private readPos = 0
  private splitter: LineSplitter | undefined
  private pendingSteps: ReadStep[] = []
  private lines: TailBatch['lines'] = []
  private tooLong: TailBatch['tooLong'] = []
  private buf: Buffer
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private wakeUp: (() => void) | undefined
  private closed = false
  /** consecutive EOF polls with a newer file waiting */
  private idleAtEnd = 0

  constructor (private readonly o: TailerOptions) {
    this.buf = Buffer.allocUnsafe(o.chunkBytes)
  }

  private log (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    this.o.log?.(level, msg, fields)
  }

  private async set (): Promise<Candidate[]> {
    const out: Candidate[] = []
    for (const p of rotatedSet(this.o.path)) {
      const id = await identify(p)
      if (id !== undefined) out.push({ path: p, id })
    }
    return out
  }

  async start (): Promise<void> {
    const s = this.o.start
    if (s === 'beginning' || s === 'end') {
      const id = await identify(this.o.path)
      if (id === undefined) {
        this.log('warn', 'audit log does not exist yet; waiting for it', { path: this.o.path })
      } else {
        await this.openStep({ path: this.o.path, identity: id, offset: s === 'end' ? await this.lineStartBefore(this.o.path, id.size) : 0 })
      }
    } else {
      const plan = planAfter({ identity: s.identity, offset: s.offset }, await this.set())
      this.report(plan.kind, s)
      const [first, ...rest] = plan.steps
      this.pendingSteps = rest
      if (first !== undefined) await this.openStep(first)
    }
    if (this.o.watch !== false) {
      this.watcher = watch(dirname(this.o.path), { depth: 0, ignoreInitial: true, persistent: false })
      const base = basename(this.o.path)
      this.watcher.on('all', (_ev: string, p: string) => { if (basename(p).startsWith(base)) this.wake() })
      this.watcher.on('error', (err: unknown) => this.log('warn', 'file watcher error; polling only', { err: String(err) }))
    }
    // the poll timer also keeps the process alive while we wait for the log to grow
    this.timer = setInterval(() => this.wake(), this.o.pollIntervalMs)
  }

  /** Offset just after the last newline before `size` (so 'end' starts on a line boundary). */
  private async lineStartBefore (path: string, size: number): Promise<number> {
    if (size === 0) return 0
    const fh = await open(path, 'r')
    try {
      const n = Math.min(size, 1 << 16)
      const b = Buffer.allocUnsafe(n)
      const { bytesRead } = await fh.read(b, 0, n, size - n)
      const nl = b.subarray(0, bytesRead).lastIndexOf(10)
      return nl === -1 ? size : size - n + nl + 1
    } finally {
      await fh.close()
    }
  }

  private report (kind: string, from: TailPosition): void {
    switch (kind) {
      case 'rotated': this.stats.rotations++; this.log('info', 'log rotated: draining the old file before the new one', { path: from.path }); break
      case 'copytruncated': this.stats.copytruncates++; this.log('warn', 'log copied and truncated in place: reading the rest from the copy', { path: from.path }); break
      case 'truncated': this.stats.truncations++; this.log('warn', 'log truncated: reading it again from the start', { path: from.path, offset: from.offset }); break
      case 'lost': this.stats.filesLost++; this.log('error', 'the file being read is gone under every name: its unread rest is lost', { path: from.path, offset: from.offset }); break
    }
  }

  private async openStep (step: ReadStep): Promise<void> {
    await this.fh?.close().catch(() => {})
    this.fh = await open(step.path, 'r')
    const st = await this.fh.stat()
    this.file = { path: step.path, identity: { dev: st.dev, ino: st.ino, fingerprint: step.identity.fingerprint } }
    this.readPos = step.offset
    this.idleAtEnd = 0
    this.splitter = new LineSplitter(this.o.maxLineBytes, {
      line: (line, offset, ascii) => { this.lines.push({ line, offset, ascii }) },
      tooLong: (prefix, offset, length) => { this.tooLong.push({ prefix, offset, length }) },
    }, step.offset)
  }

  position (): TailPosition {
    if (this.file === undefined || this.splitter === undefined) return { path: this.o.path, identity: { dev: 0, ino: 0, fingerprint: '' }, offset: 0 }
    return { path: this.file.path, identity: this.file.identity, offset: this.splitter.position }
  }

  private wake (): void {
    const w = this.wakeUp
    this.wakeUp = undefined
    w?.()
  }

  private async sleep (signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted === true) return
    await new Promise<void>((resolve) => {
      const onAbort = (): void => resolve()
      this.wakeUp = () => { signal?.removeEventListener('abort', onAbort); resolve() }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  private take (): TailBatch | undefined {
    if (this.lines.length === 0 && this.tooLong.length === 0) return undefined
    const b: TailBatch = { file: this.file as TailBatch['file'], lines: this.lines, tooLong: this.tooLong, endOffset: (this.splitter as LineSplitter).position }
    this.lines = []
    this.tooLong = []
    this.stats.linesRead += b.lines.length + b.tooLong.length
    return b
  }

  async read (signal?: AbortSignal): Promise<TailBatch | null> {
    for (;;) {
      if (this.closed || signal?.aborted === true) return null
      if (this.fh === undefined) {
        const id = await identify(this.o.path)
        if (id !== undefined) await this.openStep({ path: this.o.path, identity: id, offset: 0 })
        else { await this.sleep(signal); continue }
      }
      const fh = this.fh as FileHandle
      const { bytesRead } = await fh.read(this.buf, 0, this.buf.length, this.readPos)
      if (bytesRead > 0) {
        this.readPos += bytesRead
        this.stats.bytesRead += bytesRead
        this.idleAtEnd = 0
        ;(this.splitter as LineSplitter).push(bytesRead === this.buf.length ? this.buf : this.buf.subarray(0, bytesRead))
        const b = this.take()
        if (b !== undefined) return b
        continue
      }
      // at the end of our file: has it been rotated, truncated, replaced?
      const moved = await this.checkRotation()
      const b = this.take()
      if (b !== undefined) return b
      if (!moved) await this.sleep(signal)
    }
  }

  /** At EOF: decide whether to stay, or move on (after handing out the last partial line). */
  private async checkRotation (): Promise<boolean> {
    const file = this.file as { path: string, identity: FileIdentity }
    const splitter = this.splitter as LineSplitter
    // plan from the start of the line not yet complete: if our bytes moved to a copy, that
    // line is read again whole from there
    const ours = { identity: file.identity, offset: splitter.position }
    // queued steps (catching up after a restart) come first
    if (this.pendingSteps.length > 0) {
      ;(this.splitter as LineSplitter).end()
      const next = this.pendingSteps.shift() as ReadStep
      await this.openStep(next)
      return true
    }
    // fast path, the common case at EOF: the live path is still our inode, not shorter, and
    // starts with our bytes (one stat and one 64-byte pread instead of the whole set)
    const live = await stat(this.o.path).catch(() => undefined)
    if (live !== undefined && live.ino === file.identity.ino && live.dev === file.identity.dev && live.size >= ours.offset) {
      const head = Buffer.allocUnsafe(FINGERPRINT_BYTES)
      const { bytesRead } = await (this.fh as FileHandle).read(head, 0, FINGERPRINT_BYTES, 0)
      const fp = head.toString('hex', 0, bytesRead)
      if (sameContentStart(fp, file.identity.fingerprint)) {
        if (fp.length > file.identity.fingerprint.length) file.identity.fingerprint = fp
        this.idleAtEnd = 0
        return false
      }
    }
    const set = await this.set()
    const plan = planAfter(ours, set)
    if (plan.kind === 'same') {
      this.idleAtEnd = 0
      // the fingerprint of a file opened while shorter than the fingerprint grows with it
      const cur = plan.steps[0].identity.fingerprint
      if (cur.length > file.identity.fingerprint.length) file.identity.fingerprint = cur
      return false
    }
    if (plan.kind === 'rotated') {
      // our file was renamed and a newer one exists: leave it only after it stayed quiet at
      // its end for a poll interval (auditd may still write into the renamed file)
      if (this.idleAtEnd++ < 1) return false
      ;(this.splitter as LineSplitter).end()
      this.report('rotated', { ...file, offset: this.readPos })
      const [, ...rest] = plan.steps
      this.pendingSteps = rest.slice(1)
      if (rest[0] !== undefined) await this.openStep(rest[0])
      return true
    }
    this.report(plan.kind, { ...file, offset: this.readPos })
    // lost: what we hold of the last line is all there will be; truncated: its bytes are gone;
    // copytruncated: the copy has the whole line again from `ours.offset`
    if (plan.kind === 'lost') splitter.end()
    const [first, ...rest] = plan.steps
    this.pendingSteps = rest
    if (first !== undefined) await this.openStep(first)
    else { await this.fh?.close().catch(() => {}); this.fh = undefined }
    return true
  }

  async close (): Promise<void> {
    this.closed = true
    this.wake()
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.watcher?.close()
    await this.fh?.close().catch(() => {})
    this.fh = undefined
  }
}

export { sameFile }
