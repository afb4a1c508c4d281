/**
 * Request bodies (and file/stdout writes) are assembled straight into one Buffer, outside the
 * V8 heap, not joined into a JS string first: a batch of megabytes would otherwise sit on the
 * small heap the daemon runs with (package.json auditship.nodeFlags).
 */

/** One line per item: `head(i)`, then `body(i)` (an event's JSON, copied), then `tail`, then "\n". */
export function linesBuffer (count: number, head: ((i: number) => string) | undefined, body: (i: number) => Buffer, tail = ''): Buffer {
  const heads = head === undefined ? undefined : new Array<string>(count)
  const tailBytes = Buffer.byteLength(tail, 'utf8') + 1
  let total = 0
  for (let i = 0; i < count; i++) {
    if (heads !== undefined) { const h = heads[i] = (head as (i: number) => string)(i); total += Buffer.byteLength(h, 'utf8') }
    total += body(i).length + tailBytes
  }
  const buf = Buffer.allocUnsafe(total)
  let off = 0
  for (let i = 0; i < count; i++) {
    if (heads !== undefined) off += buf.write(heads[i], off, 'utf8')
    off += body(i).copy(buf, off)
    if (tailBytes > 1) off += buf.write(tail, off, 'utf8')
    buf[off++] = 10
  }
  return buf
}
