/**
 * Output to a file descriptor: strings are UTF-8 encoded straight into a reused buffer and
 * written with writeSync when it fills (one copy, no joined strings, no per-line syscalls).
 * stdout is synchronous for files and pipes on Linux anyway; EAGAIN on a non-blocking pipe is
 * waited out, so a slow reader slows us down instead of growing memory.
 */
import { writeSync, closeSync, openSync } from 'node:fs'

const BUFFER_BYTES = 256 << 10
const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** The reader went away (EPIPE): stop producing output. */
export class OutputClosed extends Error {
  constructor () { super('output closed by the reader'); this.name = 'OutputClosed' }
}

export class FdOutput {
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES)
  private used = 0
  bytes = 0

  constructor (private readonly fd: number, private readonly owned = false) {}

  static open (path: string): FdOutput {
    return new FdOutput(openSync(path, 'w'), true)
  }

  write (s: string): void {
    // a UTF-16 code unit is at most 3 UTF-8 bytes
    if (this.used + s.length * 3 > BUFFER_BYTES) {
      this.flush()
      if (s.length * 3 > BUFFER_BYTES) { this.writeAll(Buffer.from(s, 'utf8')); return }
    }
    this.used += this.buf.write(s, this.used, 'utf8')
  }

  /** A newline (apart from the string before it: joining them would copy that string). */
  newline (): void {
    if (this.used === BUFFER_BYTES) this.flush()
    this.buf[this.used++] = 10
  }

  flush (): void {
    if (this.used === 0) return
    const n = this.used
    this.used = 0
    this.writeAll(this.buf.subarray(0, n))
  }

  close (): void {
    this.flush()
    if (this.owned) closeSync(this.fd)
  }

  private writeAll (b: Buffer): void {
    let off = 0
    while (off < b.length) {
      try {
        off += writeSync(this.fd, b, off, b.length - off)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EAGAIN') { Atomics.wait(sleeper, 0, 0, 2); continue }
        if (code === 'EPIPE') throw new OutputClosed()
        throw err
      }
    }
    this.bytes += b.length
  }
}
