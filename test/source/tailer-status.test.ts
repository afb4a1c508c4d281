import t from 'tap'
import { mkdirSync, renameSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tailer, type TailerOptions } from '../../src/source/tailer.js'
import type { SourceBatch } from '../../src/source/source.js'

// What the tailer says about itself for readiness (status()): reading or not, what is wrong
// with the live log and since when, and the bytes not handed out yet.

interface Logged { level: string, msg: string, fields?: object }

function mk (path: string, start: TailerOptions['start'] = 'beginning', o: Partial<TailerOptions> = {}): { tl: Tailer, logs: Logged[] } {
  const logs: Logged[] = []
  const tl = new Tailer({ path, start, maxLineBytes: 1024, chunkBytes: 4096, pollIntervalMs: 20, watch: false, log: (level, msg, fields) => { logs.push({ level, msg, fields }) }, ...o })
  return { tl, logs }
}

/** One read, or null when nothing came within `ms`. */
async function readOnce (tl: Tailer, ms = 3000): Promise<SourceBatch | null> {
  return await tl.read(AbortSignal.timeout(ms))
}

/** Read (waiting at most `ms`) until `cond` holds on the status; the status then. */
async function readUntil (tl: Tailer, cond: (s: Awaited<ReturnType<Tailer['status']>>) => boolean, ms = 3000): Promise<Awaited<ReturnType<Tailer['status']>>> {
  const end = Date.now() + ms
  let s = await tl.status()
  while (!cond(s) && Date.now() < end) {
    await tl.read(AbortSignal.timeout(50))
    s = await tl.status()
  }
  return s
}

const lines = (a: number, b: number): string => Array.from({ length: b - a }, (_, k) => `line ${a + k}\n`).join('')

t.test('no live file at start: not reading, "missing" since start; reading once it appears', async (t) => {
  const dir = t.testdir()
  const p = join(dir, 'audit.log')
  const { tl } = mk(p)
  t.teardown(async () => await tl.close())
  const before = Date.now()
  await tl.start()
  const s = await tl.status()
  t.equal(s.reading, false)
  t.match(s.problem, { kind: 'missing', path: p })
  t.ok((s.problem?.since ?? 0) >= before)
  t.equal(await readOnce(tl, 100), null, 'nothing to read')
  t.equal((await tl.status()).problem?.since, s.problem?.since, 'the same episode: since does not move')
  writeFileSync(p, lines(0, 3))
  const b = await readOnce(tl)
  t.equal(b?.lines.length, 3)
  t.same(await tl.status(), { reading: true, problem: undefined, unreadBytes: 0 })
})

t.test('a live path that cannot be read: "unreadable" with the error, said once, and no crash; read once it can be', async (t) => {
  const dir = t.testdir()
  const p = join(dir, 'audit.log')
  const { tl, logs } = mk(p)
  t.teardown(async () => await tl.close())
  await tl.start()
  // a directory where the log should be: opening works, reading fails (EISDIR), as root too
  mkdirSync(p)
  const s = await readUntil(tl, (x) => x.problem?.kind === 'unreadable')
  t.match(s, { reading: false, problem: { kind: 'unreadable', path: p, error: /^EISDIR: / } })
  await readUntil(tl, () => false, 150)
  t.equal(logs.filter((l) => l.msg.startsWith('cannot read the audit log')).length, 1, 'logged once per episode, not per poll')
  t.match(logs.find((l) => l.msg.startsWith('cannot read the audit log')), { level: 'error', fields: { path: p, err: /EISDIR/ } })
  rmdirSync(p)
  writeFileSync(p, lines(0, 2))
  const b = await readOnce(tl)
  t.equal(b?.lines.length, 2)
  t.equal((await tl.status()).problem, undefined)
})

t.test('the followed file renamed away and no new one: still reading (drained by its fd), "missing"; cleared when a new file appears', async (t) => {
  const dir = t.testdir()
  const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 2))
  const { tl } = mk(p, 'beginning', { settleMs: 20 })
  t.teardown(async () => await tl.close())
  await tl.start()
  t.equal((await readOnce(tl))?.lines.length, 2)
  renameSync(p, `${p}.1`)
  const s = await readUntil(tl, (x) => x.problem !== undefined)
  t.match(s, { reading: true, problem: { kind: 'missing', path: p } })
  writeFileSync(p, lines(2, 3))
  const after = await readUntil(tl, (x) => x.problem === undefined)
  t.equal(after.problem, undefined)
})

t.test('unreadBytes: what the files hold beyond what was handed out (the rest of this file, and the files after it)', async (t) => {
  const dir = t.testdir()
  const p = join(dir, 'audit.log')
  const first = lines(0, 200)
  writeFileSync(`${p}.1`, first)
  writeFileSync(p, lines(200, 210))
  const { tl } = mk(p, 'beginning', { chunkBytes: 100 })
  t.teardown(async () => await tl.close())
  await tl.start()
  const total = Buffer.byteLength(first) + Buffer.byteLength(lines(200, 210))
  t.equal((await tl.status()).unreadBytes, total, 'nothing handed out yet: every byte of both files')
  const b = await readOnce(tl)
  t.equal((await tl.status()).unreadBytes, total - (b?.endOffset ?? 0), 'less what was handed out')
})
