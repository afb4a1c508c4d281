/** Append NDJSON to a file; a batch counts as delivered only once it is written and fsynced. */
import { open, mkdir, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { OutEvent, Sink } from '../../sink.js'
import { linesBuffer } from '../../http/body.js'

export class FileSink implements Sink {
  private fh: FileHandle | undefined
  constructor (readonly name: string, private readonly path: string, private readonly fsync: boolean) {}

  private async handle (): Promise<FileHandle> {
    if (this.fh === undefined) {
      await mkdir(dirname(this.path), { recursive: true })
      const fh = await open(this.path, 'a+', 0o640)
      // a crash in the middle of a write leaves a torn last line: end it, so that what
      // follows stays one event per line (the torn event is sent again: it was not delivered)
      const { size } = await fh.stat()
      if (size > 0) {
        const last = Buffer.alloc(1)
        await fh.read(last, 0, 1, size - 1)
        if (last[0] !== 10) await fh.write('\n')
      }
      this.fh = fh
    }
    return this.fh
  }

  async write (batch: OutEvent[]): Promise<void> {
    const b = linesBuffer(batch.length, undefined, (i) => batch[i].data)
    const fh = await this.handle()
    try {
      // one write() may be short (a disk filling up): write until every byte is out, so a
      // batch is never reported delivered with its tail missing
      for (let off = 0; off < b.length;) off += (await fh.write(b, off, b.length - off)).bytesWritten
      if (this.fsync) await fh.datasync()
    } catch (err) {
      // reopen next time (the file may have been moved or the disk remounted)
      this.fh = undefined
      await fh.close().catch(() => {})
      throw err
    }
  }

  async close (): Promise<void> {
    const fh = this.fh
    this.fh = undefined
    if (fh !== undefined) await fh.close()
  }
}
