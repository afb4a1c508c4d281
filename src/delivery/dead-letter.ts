/**
 * The dead-letter file: what could not be shipped, with the reason, as NDJSON
 * (schemas/dead-letter.schema.json) — bad lines, schema-invalid events, and events a sink
 * refused for good. A line is written here before its record is settled, so one poison record
 * never stalls the checkpoint and is never lost silently. Synchronous appends (rare, small);
 * fsynced with every checkpoint.
 */
import { openSync, writeSync, fsyncSync, closeSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { DeadLetterEntry } from './dead-letter.generated.js'

export type { DeadLetterEntry }

export class DeadLetter {
  private fd: number | undefined
  written = 0
  constructor (readonly path: string) {}

  /** Append one entry (the time is added here); throws when it cannot be written. */
  write (entry: Omit<DeadLetterEntry, 'time'>): void {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true })
      this.fd = openSync(this.path, 'a', 0o600)
    }
    const line: DeadLetterEntry = { time: new Date().toISOString(), ...entry }
    const b = Buffer.from(JSON.stringify(line) + '\n', 'utf8')
    // a short write (disk filling up) must not pass for a whole entry
    for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off, b.length - off)
    this.written++
  }

  sync (): void {
    if (this.fd !== undefined) fsyncSync(this.fd)
  }

  close (): void {
    if (this.fd !== undefined) { fsyncSync(this.fd); closeSync(this.fd); this.fd = undefined }
  }
}
