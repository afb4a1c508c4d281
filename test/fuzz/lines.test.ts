/**
 * Fuzz: 10^5 random and mutated lines never throw, every line is accounted for (a record,
 * a blank line, or a counted parse error) and every event that comes out is schema-valid or
 * counted as invalid. Deterministic (seeded) so a failure can be replayed.
 */
import t from 'tap'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { runBytes, fixtures } from '../helpers/pipeline.js'

function rng (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let x = s
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

function seedLines (): Buffer[] {
  const out: Buffer[] = []
  const dirs = [join(fixtures, 'correlate')]
  for (const d of dirs) {
    for (const f of readdirSync(d)) {
      for (const l of readFileSync(join(d, f)).toString('latin1').split('\n')) if (l.length > 0) out.push(Buffer.from(l, 'latin1'))
    }
  }
  const corpus = join(fixtures, '..', '..', '..', 'shared', 'corpus', 'threathunters-io__laurel')
  if (existsSync(corpus)) {
    for (const f of readdirSync(corpus).filter((n) => n.endsWith('.txt')).slice(0, 20)) {
      for (const l of readFileSync(join(corpus, f)).toString('latin1').split('\n')) if (l.startsWith('type=')) out.push(Buffer.from(l, 'latin1'))
    }
  }
  return out
}

const SPECIAL = [0x00, 0x0d, 0x1d, 0x20, 0x22, 0x27, 0x3d, 0x7b, 0x7d, 0x28, 0x29, 0x3a, 0xff, 0xc3, 0x80, 0xed, 0xa0]

function mutate (line: Buffer, r: () => number): Buffer {
  const b = Buffer.from(line)
  const kind = Math.floor(r() * 6)
  switch (kind) {
    case 0: return b.subarray(0, Math.floor(r() * b.length)) // truncated
    case 1: { // flip bytes
      const n = 1 + Math.floor(r() * 4)
      for (let i = 0; i < n; i++) b[Math.floor(r() * b.length)] = SPECIAL[Math.floor(r() * SPECIAL.length)]
      return b
    }
    case 2: { // splice a random chunk of random bytes
      const at = Math.floor(r() * b.length)
      const junk = Buffer.alloc(1 + Math.floor(r() * 16))
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(r() * 256)
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)])
    }
    case 3: { // duplicate a slice (repeated keys, quotes)
      const a = Math.floor(r() * b.length); const z = Math.min(b.length, a + Math.floor(r() * 40))
      return Buffer.concat([b.subarray(0, z), b.subarray(a, z), b.subarray(z)])
    }
    case 4: { // remove a closing quote / brace
      const i = b.lastIndexOf(r() < 0.5 ? 0x22 : 0x27)
      return i < 0 ? b : Buffer.concat([b.subarray(0, i), b.subarray(i + 1)])
    }
    default: { // pure random bytes (no newline)
      const n = Math.floor(r() * 300)
      const x = Buffer.alloc(n)
      for (let i = 0; i < n; i++) { const v = Math.floor(r() * 256); x[i] = v === 10 ? 32 : v }
      return x
    }
  }
}

t.test('10^5 random and mutated lines: no throw, every line accounted for', async (t) => {
  const r = rng(20261124)
  const seeds = seedLines()
  t.ok(seeds.length > 50, 'seed lines available')
  const lines: Buffer[] = []
  for (let i = 0; i < 100_000; i++) {
    const base = seeds[Math.floor(r() * seeds.length)]
    let l = r() < 0.15 ? base : mutate(base, r)
    if (l.includes(10)) l = Buffer.from(l.toString('latin1').replaceAll('\n', ' '), 'latin1')
    lines.push(l)
  }
  const input = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]))
  let run
  t.doesNotThrow(() => { run = runBytes(input, { maxInFlight: 256 }, 65536 + 17) })
  const { pipeline, errors } = run!
  const s = pipeline.stats
  const blank = lines.filter((l) => l.length === 0 || (l.length === 1 && l[0] === 13)).length
  t.equal(s.lines, 100_000, 'every line seen')
  t.equal(s.records + s.parseErrors + blank, 100_000, 'each line is a record, a blank, or a counted parse error')
  t.equal(errors.length, s.parseErrors, 'each parse error handed out with its reason')
  t.ok(s.parseErrors > 10_000, `many mutated lines are bad (${s.parseErrors})`)
  t.ok(s.events > 1000, `many events still come out (${s.events})`)
  t.equal(s.invalid, 0, 'no event breaks the schema')
})

t.test('a 10 MB line is one counted parse error; the lines around it survive', async (t) => {
  const good = 'type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=1 pid=1 uid=0\ntype=PROCTITLE msg=audit(1.000:1): proctitle=61\n'
  const huge = 'type=EXECVE msg=audit(1.000:2): a0=' + 'A'.repeat(10 * 1024 * 1024) + '\n'
  const input = Buffer.from(good + huge + good.replaceAll(':1)', ':3)'))
  const { docs, errors } = runBytes(input, {}, 1 << 20, 65536)
  t.equal(errors.length, 1)
  t.equal(errors[0].error.code, 'AS_PARSE_TOO_LONG')
  t.equal(errors[0].offset, good.length)
  t.ok(errors[0].line.length <= 256, 'only a prefix of the line is kept')
  t.same(docs.map((d) => d.auditd.sequence), [1, 3])
})

t.test('NUL runs (preallocated blocks after a crash) and invalid UTF-8 are counted', async (t) => {
  const input = Buffer.concat([
    Buffer.from('type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=1 pid=1 uid=0 comm="a"\n'),
    Buffer.alloc(4096),
    Buffer.from('\ntype=PROCTITLE msg=audit(1.000:1): proctitle=61\n'),
    Buffer.from([0xc3, 0x28, 0x0a, 0xed, 0xa0, 0x80, 0x0a]),
  ])
  const { docs, errors } = runBytes(input)
  t.same(errors.map((e) => e.error.code), ['AS_PARSE_NUL_BYTE', 'AS_PARSE_NO_TYPE', 'AS_PARSE_NO_TYPE'])
  t.equal(docs.length, 1)
})
