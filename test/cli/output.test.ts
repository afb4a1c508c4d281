import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FdOutput } from '../../src/cli/output.js'

t.test('write() and newline() give the bytes in order, across buffer fills and strings larger than the buffer', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'out')
  const out = FdOutput.open(path)
  const want: string[] = []
  // sizes around the 256 KiB buffer: exact fills, a newline landing on a full buffer, multi-byte text
  const sizes = [1, 100, (256 << 10) - 102, 0, 3000, (256 << 10) - 1, 1 << 20, 5]
  sizes.forEach((n, i) => {
    const s = (i % 2 === 0 ? 'x' : 'é').repeat(n) + String(i)
    out.write(s)
    out.newline()
    want.push(s + '\n')
  })
  // a buffer filled to its last byte, then a newline: 1 + 3 × 87,381 = 262,144 bytes
  out.flush()
  out.write('a')
  out.write('€'.repeat(87_381))
  out.newline()
  want.push('a' + '€'.repeat(87_381) + '\n')
  out.close()
  const got = readFileSync(path, 'utf8')
  t.equal(got.length, want.join('').length)
  t.ok(got === want.join(''), 'every string and newline, in order')
})
