/**
 * Append NDJSON to a file.
 *
 * MUST report a batch delivered only once it is written (and fsynced, with `fsync`) into the
 * file that `path` names when the write is done: after each batch the path is looked up again
 * (one lstat); when it names another file or none (renamed by logrotate, removed, its
 * directory removed), the file is reopened at the path and the batch written again there
 * (so a batch can be in both the rotated and the new file: delivery is at-least-once). When
 * that happens twice in a row the batch fails and is retried with backoff.
 * SHOULD write into the file the path names now: the path is also looked up before a batch,
 * so a rotation without SIGHUP costs no duplicate.
 * reopen() (SIGHUP) closes the file and opens the path anew, as every log daemon does.
 * Opens without following symlinks, in a directory only root (or we) can write, a new file 0640
 * (delivery/safe-fs.ts). Writes are serialised: one batch at a time, in order.
 */
import { lstat, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { SinkErrors } from '../../../errors.js'
import { openSafe } from '../../../delivery/safe-fs.js'
import { SinkError, type OutEvent, type Sink } from '../../sink.js'
import { linesBuffer } from '../../http/body.js'

export const OUTPUT_MODE = 0o640

interface Output { fh: FileHandle, dev: number, ino: number }

async function syncDir (dir: string): Promise<void> {
  const dh = await open(dir, 'r')
  try { await dh.sync() } finally { await dh.close() }
}

export class FileSink implements Sink {
  private out: Output | undefined
  private lock: Promise<unknown> = Promise.resolve()
  constructor (readonly name: string, readonly path: string, private readonly fsync: boolean) {}

  /** Run `fn` after what was started before it: one write, reopen or close at a time. */
  private async serial<T> (fn: () => Promise<T>): Promise<T> {
    const next = this.lock.catch(() => {}).then(fn)
    this.lock = next
    return await next
  }

  private async open (): Promise<Output> {
    const fh = await openSafe(this.path, 'append', OUTPUT_MODE)
    try {
      // a crash in the middle of a write leaves a torn last line: end it, so that what
      // follows stays one event per line (the torn event is sent again: it was not delivered)
      const { size, dev, ino } = await fh.stat()
      if (size > 0) {
        const last = Buffer.alloc(1)
        await fh.read(last, 0, 1, size - 1)
        if (last[0] !== 10) await fh.write('\n')
      }
      // the file may be new (first start, after a rotation): make its name durable too
      if (this.fsync) await syncDir(dirname(this.path))
      return { fh, dev, ino }
    } catch (err) {
      await fh.close().catch(() => {})
      throw err
    }
  }

  /** Does the path still name the file we hold open? */
  private async named (o: Output): Promise<boolean> {
    try {
      const st = await lstat(this.path)
      return st.dev === o.dev && st.ino === o.ino
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return false
      throw err
    }
  }

  private async drop (): Promise<void> {
    const o = this.out
    this.out = undefined
    await o?.fh.close().catch(() => {})
  }

  async write (batch: OutEvent[]): Promise<void> {
    const b = linesBuffer(batch.length, undefined, (i) => batch[i].data)
    await this.serial(async () => {
      if (this.out !== undefined && !(await this.named(this.out))) await this.drop()
      for (let attempt = 1; ; attempt++) {
        const o = this.out ??= await this.open()
        try {
          // one write() may be short (a disk filling up): write until every byte is out, so a
          // batch is never reported delivered with its tail missing
          for (let off = 0; off < b.length;) off += (await o.fh.write(b, off, b.length - off)).bytesWritten
          if (this.fsync) await o.fh.datasync()
        } catch (err) {
          // reopen next time (the disk may have been remounted)
          await this.drop()
          throw err
        }
        if (await this.named(o)) return
        // renamed or removed while we wrote: these bytes are not in the file the path names
        await this.drop()
        if (attempt === 2) throw new SinkError(SinkErrors.WRITE, `${this.path} was renamed or removed during two writes in a row; the batch will be written again`)
      }
    })
  }

  /** SIGHUP: close the output and open the path anew (created when missing). Returns the path. */
  async reopen (): Promise<string> {
    return await this.serial(async () => {
      await this.drop()
      this.out = await this.open()
      return this.path
    })
  }

  async close (): Promise<void> {
    await this.serial(async () => { await this.drop() })
  }
}
