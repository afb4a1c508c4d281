/**
 * Read a whole file (or stdin) in large chunks into a line splitter, waiting for the
 * consumer between chunks so memory does not grow with the input.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { readSync } from 'node:fs'
import type { Readable } from 'node:stream'
import type { LineSplitter } from './lines.js'

export const CHUNK_BYTES = 256 << 10

export interface ReadProgress {
  (bytesRead: number): void | Promise<void>
}

/** Open every input first, so that a missing file is reported before any output. */
export async function openAll (paths: string[]): Promise<Array<FileHandle | 'stdin'>> {
  const handles: Array<FileHandle | 'stdin'> = []
  try {
    for (const p of paths) handles.push(p === '-' ? 'stdin' : await open(p, 'r'))
  } catch (err) {
    await Promise.all(handles.map(async (h) => (h === 'stdin' ? undefined : await h.close())))
    throw err
  }
  return handles
}

export async function readHandle (h: FileHandle, splitter: LineSplitter, afterChunk: ReadProgress): Promise<number> {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES)
  let total = 0
  for (;;) {
    // a synchronous read: an offline job has nothing else to do meanwhile, and it keeps the
    // reads off libuv's thread pool (whose per-thread malloc arenas cost resident memory)
    const bytesRead = readSync(h.fd, buf, 0, CHUNK_BYTES, null)
    if (bytesRead === 0) break
    total += bytesRead
    splitter.push(bytesRead === CHUNK_BYTES ? buf : buf.subarray(0, bytesRead))
    await afterChunk(total)
  }
  splitter.end()
  return total
}

export async function readStream (stream: Readable, splitter: LineSplitter, afterChunk: ReadProgress): Promise<number> {
  let total = 0
  for await (const chunk of stream) {
    const b = chunk as Buffer
    total += b.length
    splitter.push(b)
    await afterChunk(total)
  }
  splitter.end()
  return total
}
