/**
 * The file a tailer is reading: an fd read at explicit positions into a line splitter, the
 * lines completed since the last batch, and the check that the file still starts with the
 * bytes it started with. Also how a planned file is found and opened (by identity, under any
 * name of the rotated set) and where reading starts at the end of a file.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { LineSplitter } from './lines.js'
import { LineList } from './line-list.js'
import { FINGERPRINT_BYTES, compatible, identifyHandle, matchesContent, openIfExists, sameFile, sameInode, type FileIdentity, type FileState } from './identity.js'
import { snapshot } from './rotated.js'
import type { ReadStep } from './rotation.js'
import type { SourceBatch, SourceTooLong } from './source.js'

export interface Found {
  fh: FileHandle
  path: string
  identity: FileIdentity
}

export class OpenFile {
  fh: FileHandle
  path: string
  identity: FileIdentity
  /** bytes of this file consumed (pushed into the splitter) */
  readPos: number
  private readonly splitter: LineSplitter
  private lines = new LineList()
  private tooLong: SourceTooLong[] = []
  private readonly head = Buffer.allocUnsafe(FINGERPRINT_BYTES)

  constructor (found: Found, startOffset: number, maxLineBytes: number) {
    this.fh = found.fh
    this.path = found.path
    this.identity = found.identity
    this.readPos = startOffset
    this.splitter = new LineSplitter(maxLineBytes, {
      range: (buf, start, end, offset, ascii) => { this.lines.add(buf, start, end, offset, ascii) },
      tooLong: (prefix, offset, length) => { this.tooLong.push({ prefix, offset, length }) },
    }, startOffset)
  }

  /** Read the next chunk at readPos into `buf` (not consumed yet: see push). */
  async read (buf: Buffer): Promise<number> {
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.readPos)
    return bytesRead
  }

  /** Consume a chunk read by read() (copied: the lines are decoded from it when fed, and the caller reads into its buffer again). */
  push (chunk: Buffer): void {
    this.readPos += chunk.length
    this.splitter.push(Buffer.from(chunk))
  }

  /** The lines completed since the last batch, or undefined. */
  take (): SourceBatch | undefined {
    if (this.lines.length === 0 && this.tooLong.length === 0) return undefined
    const b: SourceBatch = { file: { path: this.path, identity: this.identity }, lines: this.lines, tooLong: this.tooLong, endOffset: this.splitter.position }
    this.lines = new LineList()
    this.tooLong = []
    return b
  }

  /** Leaving the file for good: its partial last line is a line. The last batch, or undefined. */
  end (): SourceBatch | undefined {
    this.splitter.end()
    return this.take()
  }

  /** Does the open file still start with the bytes it started with? (grows the fingerprint) */
  async headUnchanged (): Promise<boolean> {
    const { bytesRead } = await this.fh.read(this.head, 0, FINGERPRINT_BYTES, 0)
    const fp = this.head.toString('hex', 0, bytesRead)
    if (!compatible(fp, this.identity.fingerprint)) return false
    if (fp.length > this.identity.fingerprint.length) this.identity = { dev: this.identity.dev, ino: this.identity.ino, fingerprint: fp, fpLen: bytesRead }
    return true
  }

  /** copytruncate: go on in the copy at the same offset, with the same splitter (same bytes). */
  async moveTo (copy: Found): Promise<void> {
    await this.close()
    this.fh = copy.fh
    this.path = copy.path
    this.identity = copy.identity
  }

  async close (): Promise<void> {
    await this.fh.close().catch(() => {})
  }
}

/**
 * Open a planned file: by its identity under its planned name, else under any name of
 * `livePath`'s rotated set (renamed since), else by its bytes: the oldest other file that
 * begins with its fingerprint and holds its start offset (copied away and truncated since).
 */
export async function openStep (step: ReadStep, livePath: string): Promise<Found | undefined> {
  const tryPath = async (path: string, ok: (id: FileState) => boolean): Promise<Found | undefined> => {
    const fh = await openIfExists(path)
    if (fh === undefined) return undefined
    const { size, ...identity } = await identifyHandle(fh)
    if (ok({ ...identity, size })) return { fh, path, identity }
    await fh.close()
    return undefined
  }
  const same = (id: FileState): boolean => sameFile(id, step.identity)
  const copy = (id: FileState): boolean => !sameInode(id, step.identity) && matchesContent(step.identity, id) && id.size >= step.startOffset
  const direct = await tryPath(step.path, same)
  if (direct !== undefined) return direct
  const snap = await snapshot(livePath)
  for (const e of snap) {
    const found = same(e.identity) ? await tryPath(e.path, same) : undefined
    if (found !== undefined) return found
  }
  for (const e of [...snap].reverse()) {
    const found = copy(e.identity) ? await tryPath(e.path, copy) : undefined
    if (found !== undefined) return found
  }
  return undefined
}

/** 'end': the offset after the last newline of the file, so a partial last line is read whole. */
export async function lineStartBefore (path: string, size: number, maxLineBytes: number): Promise<number> {
  if (size === 0) return 0
  const fh = await open(path, 'r')
  try {
    const n = Math.min(size, maxLineBytes + 1)
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
