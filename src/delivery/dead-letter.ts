/**
 * The dead-letter file: what could not be shipped, with the reason, as NDJSON
 * (schemas/dead-letter.schema.json) — bad lines, schema-invalid events, and events a sink
 * refused for good. A line is written here before its record is settled, so one poison record
 * never stalls the checkpoint and is never lost silently. Synchronous appends (rare, small);
 * fsynced with every checkpoint. Opened without following symlinks, in a directory only root
 * (or we) can write, created 0600 (safe-fs.ts); reopen() (SIGHUP) makes the next entry open
 * the path anew, and so does an entry that finds the path no longer naming the open file
 * (renamed or removed: one lstat per entry).
 */
import { writeSync, fsyncSync, closeSync, fstatSync, lstatSync } from 'node:fs'
import { openSafeSync } from './safe-fs.js'
import type { DeadLetterEntry } from './dead-letter.generated.js'

export type { DeadLetterEntry }

export class DeadLetter {
  private fd: number | undefined
  /** the open file's identity */
  private id = { dev: 0, ino: 0 }
  written = 0
  constructor (readonly path: string) {}

  /** Append one entry (the time is added here); throws when it cannot be written. */
  write (entry: Omit<DeadLetterEntry, 'time'>): void {
    if (this.fd !== undefined && !this.named()) this.close()
    if (this.fd === undefined) {
      this.fd = openSafeSync(this.path, 'append', 0o600)
      const st = fstatSync(this.fd)
      this.id = { dev: st.dev, ino: st.ino }
    }
    const line: DeadLetterEntry = { time: new Date().toISOString(), ...entry }
    const b = Buffer.from(JSON.stringify(line) + '\n', 'utf8')
    // a short write (disk filling up) must not pass for a whole entry
    for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off, b.length - off)
    this.written++
  }

  /** Does the path still name the open file? */
  private named (): boolean {
    const st = lstatSync(this.path, { throwIfNoEntry: false })
    return st !== undefined && st.dev === this.id.dev && st.ino === this.id.ino
  }

  sync (): void {
    if (this.fd !== undefined) fsyncSync(this.fd)
  }

  /** SIGHUP: make what was written durable, close; the next entry opens the path anew. */
  reopen (): void {
    this.close()
  }

  close (): void {
    const fd = this.fd
    if (fd === undefined) return
    this.fd = undefined
    try { fsyncSync(fd) } finally { closeSync(fd) }
  }
}
