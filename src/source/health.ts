/**
 * What a tailer can say about itself for readiness and the bytes-behind gauge: whether a file
 * is being read, what is wrong with the live log (missing, unreadable) and since when, and how
 * many bytes on disk it has not handed out yet.
 *
 * MUST NOT throw out of probe(): a live log that cannot be opened is a state (`unreadable`,
 *      said once per episode), not a crash; the tailer waits and looks again.
 * The problem is cleared as soon as the live log can be opened again.
 */
import { identify, sameInode, type FileState } from './identity.js'
import type { OpenFile } from './open-file.js'
import type { ReadStep } from './rotation.js'
import type { SourcePosition, SourceProblem, SourceStatus } from './source.js'
import type { TailerLog } from './plan-report.js'

export class TailerHealth {
  private problem: SourceProblem | undefined

  constructor (private readonly path: string, private readonly log: TailerLog, private readonly now: () => number = Date.now) {}

  /** The live log's identity; undefined when it does not exist or cannot be read (noted). */
  async probe (): Promise<FileState | undefined> {
    try {
      const live = await identify(this.path)
      if (live === undefined) this.missing()
      else this.ok()
      return live
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      const error = e.code !== undefined ? `${e.code}: ${e.message.replace(/^\w+: /, '')}` : e.message
      if (this.problem?.kind !== 'unreadable') this.log('error', 'cannot read the audit log: waiting until it can be read', { path: this.path, err: error })
      this.note('unreadable', error)
      return undefined
    }
  }

  /** The live path names no file. */
  missing (): void {
    this.note('missing')
  }

  /** The live path names a file that can be opened. */
  ok (): void {
    this.problem = undefined
  }

  /** `cur`: the file being read; `pos`: what was handed out; `queue`: files to read after it. */
  async status (cur: OpenFile | undefined, pos: SourcePosition, queue: readonly ReadStep[]): Promise<SourceStatus> {
    let unread = 0
    if (cur !== undefined) {
      const size = await cur.fh.stat().then((s) => s.size, () => cur.readPos)
      // read into the splitter but not handed out yet counts as unread too
      const from = sameInode(cur.identity, pos.identity) ? Math.min(pos.offset, cur.readPos) : cur.readPos
      unread += Math.max(0, size - from)
    }
    for (const s of queue) unread += Math.max(0, s.identity.size - s.startOffset)
    return { reading: cur !== undefined, problem: this.problem, unreadBytes: unread }
  }

  private note (kind: SourceProblem['kind'], error?: string): void {
    if (this.problem?.kind === kind) { this.problem.error = error; return }
    this.problem = { kind, path: this.path, since: this.now(), error }
  }
}
