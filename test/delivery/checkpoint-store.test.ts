import t from 'tap'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CheckpointStore } from '../../src/delivery/checkpoint-store.js'
import { Tailer } from '../../src/source/tailer.js'

t.test('save then load; atomic (no temp file left); overwrite', async (t) => {
  const dir = join(t.testdir(), 'state')
  const s = new CheckpointStore(dir)
  t.same(await s.load(), { ok: true, checkpoint: undefined }, 'none yet')
  const position = { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 2, fingerprint: 'ab' }, offset: 123 }
  await s.save({ position, teleport: null })
  const r = await s.load()
  t.ok(r.ok)
  if (r.ok) t.same(r.checkpoint?.position, position)
  await s.save({ position: { ...position, offset: 456 }, teleport: null })
  const r2 = await s.load()
  if (r2.ok) t.equal(r2.checkpoint?.position?.offset, 456)
  t.same(readdirSync(dir), ['checkpoint.json'])
})

t.test('a damaged checkpoint is an error value with the reason', async (t) => {
  const dir = t.testdir({ 'checkpoint.json': '{"version": 1, "posi' })
  const r = await new CheckpointStore(dir).load()
  t.equal(r.ok, false)
  if (!r.ok) t.match(r.error, /checkpoint\.json is not valid JSON/)
  writeFileSync(join(dir, 'checkpoint.json'), '{"version": 99}')
  const r2 = await new CheckpointStore(dir).load()
  if (!r2.ok) t.match(r2.error, /unsupported checkpoint version 99/)
})

t.test('a well-formed checkpoint with wrong types is refused with the reason, as a value', async (t) => {
  const good = { version: 1, position: { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 2, fingerprint: 'ab', fpLen: 1 }, offset: 123 }, teleport: null, saved_at: '2024-01-01T00:00:00.000Z' }
  const cases: Array<[string, unknown, RegExp]> = [
    ['offset not a number', { ...good, position: { ...good.position, offset: 'abc' } }, /\/position\/offset must be integer/],
    ['negative offset', { ...good, position: { ...good.position, offset: -1 } }, /\/position\/offset must be >= 0/],
    ['identity missing', { ...good, position: { path: '/x', offset: 0 } }, /\/position must have required property 'identity'/],
    ['fingerprint not hex', { ...good, position: { ...good.position, identity: { dev: 1, ino: 2, fingerprint: 'zz' } } }, /\/position\/identity\/fingerprint must match pattern/],
    ['position a string', { ...good, position: '/var/log/audit/audit.log' }, /\/position must be object,null/],
    ['join state a number', { ...good, teleport: 7 }, /\/teleport must be object,null/],
    ['no position at all', { version: 1, teleport: null, saved_at: good.saved_at }, /must have required property 'position'/],
    ['an unknown key', { ...good, extra: 1 }, /must NOT have additional properties/],
  ]
  const dir = t.testdir()
  for (const [what, body, reason] of cases) {
    writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(body))
    const r = await new CheckpointStore(dir).load()
    t.equal(r.ok, false, `${what}: refused`)
    if (!r.ok) t.match(r.error, /checkpoint\.json is not a checkpoint \(schemas\/checkpoint\.schema\.json\)/, `${what}: says what it is not`)
    if (!r.ok) t.match(r.error, reason, `${what}: says where`)
  }
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(good))
  t.same(await new CheckpointStore(dir).load(), { ok: true, checkpoint: good }, 'the same file with the right types loads')
  const older = { ...good, position: { ...good.position, identity: { dev: 1, ino: 2, fingerprint: 'ab' } } }
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(older))
  t.equal((await new CheckpointStore(dir).load()).ok, true, 'an older checkpoint without fpLen loads')
})

t.test('the join state is saved and loaded as it is, whatever it holds (opaque to the store)', async (t) => {
  const dir = join(t.testdir(), 'state')
  const s = new CheckpointStore(dir)
  const state = { boots: { n1: { boot: 2, maxSerial: 9 } }, nextId: 3, identities: [[1, { user: 'alice' }]] }
  await s.save({ position: null, teleport: state })
  const r = await s.load()
  t.ok(r.ok)
  if (r.ok) t.same(r.checkpoint, { version: 2, position: null, teleport: state, saved_at: r.checkpoint?.saved_at })
})

t.test("the tailer's positions are checkpoints the store loads again (schema and source type agree)", async (t) => {
  const dir = t.testdir({ 'audit.log': 'one\ntwo\n' })
  const tl = new Tailer({ path: join(dir, 'audit.log'), start: 'beginning', maxLineBytes: 1024, chunkBytes: 4096, pollIntervalMs: 1000, watch: false })
  const before = new Tailer({ path: join(dir, 'none.log'), start: 'beginning', maxLineBytes: 1024, chunkBytes: 4096, pollIntervalMs: 1000, watch: false })
  await tl.start()
  await before.start()
  await tl.read()
  const s = new CheckpointStore(join(dir, 'state'))
  for (const position of [tl.position(), before.position()]) {
    await s.save({ position, teleport: null })
    const r = await s.load()
    t.ok(r.ok, r.ok ? 'loads' : r.error)
    if (r.ok) t.same(r.checkpoint?.position, position)
  }
  await tl.close()
  await before.close()
})

t.test('every field that cannot be what auditship wrote is refused, never guessed at', async (t) => {
  const fp = 'ab'.repeat(64)
  const good = { version: 1, position: { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 2, fingerprint: fp, fpLen: 64 }, offset: 123 }, teleport: null, saved_at: '2024-01-01T00:00:00.000Z' }
  const id = good.position.identity
  const cases: Array<[string, unknown, RegExp]> = [
    ['offset past 2^53 (not exact as a number)', { ...good, position: { ...good.position, offset: 2 ** 60 } }, /\/position\/offset must be <= 9007199254740991/],
    ['offset a float', { ...good, position: { ...good.position, offset: 1.5 } }, /\/position\/offset must be integer/],
    ['offset null', { ...good, position: { ...good.position, offset: null } }, /\/position\/offset must be integer/],
    ['inode a string', { ...good, position: { ...good.position, identity: { ...id, ino: '2' } } }, /\/position\/identity\/ino must be integer/],
    ['fingerprint longer than 64 bytes', { ...good, position: { ...good.position, identity: { ...id, fingerprint: fp + 'ab', fpLen: undefined } } }, /\/position\/identity\/fingerprint must NOT have more than 128 characters/],
    ['fpLen above 64', { ...good, position: { ...good.position, identity: { ...id, fpLen: 65 } } }, /\/position\/identity\/fpLen must be <= 64/],
    ['fpLen not the fingerprint\'s length', { ...good, position: { ...good.position, identity: { ...id, fpLen: 3 } } }, /\/position\/identity\/fpLen is 3 but the fingerprint holds 64 bytes/],
    ['no file (ino 0) but an offset', { ...good, position: { path: '/x', identity: { dev: 0, ino: 0, fingerprint: '' }, offset: 99 } }, /ino 0 \(no file was open\) with a device, a fingerprint or an offset/],
    ['events to leave out without a position', { ...good, position: null, skip: [{ event: '1700000000.000:1', file: 0, offset: 10 }] }, /\/skip lists events to leave out, but \/position is null/],
    ['saved_at not a time', { ...good, saved_at: 'yesterday' }, /\/saved_at must match pattern/],
    ['version a string', { ...good, version: '1' }, /unsupported checkpoint version 1/],
    ['an array', [good], /unsupported checkpoint version undefined/],
    ['null', null, /unsupported checkpoint version undefined/],
  ]
  const dir = t.testdir()
  for (const [what, body, reason] of cases) {
    writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(body))
    const r = await new CheckpointStore(dir).load()
    t.equal(r.ok, false, `${what}: refused`)
    if (!r.ok) t.match(r.error, reason, `${what}: says why`)
  }
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify({ ...good, position: { path: '/x', identity: { dev: 0, ino: 0, fingerprint: '', fpLen: 0 }, offset: 0 } }))
  t.equal((await new CheckpointStore(dir).load()).ok, true, 'the position of a tailer that had no file open loads')
})

t.test('a version 1 checkpoint (before per-sink positions) still loads; per-sink positions are saved and loaded as version 2', async (t) => {
  const position = { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 2, fingerprint: 'ab', fpLen: 1 }, offset: 123 }
  const dir = t.testdir({ 'checkpoint.json': JSON.stringify({ version: 1, position, teleport: null, saved_at: '2024-01-01T00:00:00.000Z' }) })
  const s = new CheckpointStore(dir)
  const old = await s.load()
  t.ok(old.ok, old.ok ? 'loads' : old.error)
  await s.save({ position, sinks: { es: { file: 0, offset: 123 }, file: { file: 1, offset: 40 } }, teleport: null })
  const r = await s.load()
  t.ok(r.ok)
  if (r.ok) t.match(r.checkpoint, { version: 2, sinks: { es: { file: 0, offset: 123 }, file: { file: 1, offset: 40 } } })
  writeFileSync(s.path, JSON.stringify({ version: 2, position, sinks: { es: { file: -1, offset: 0 } }, teleport: null, saved_at: '2024-01-01T00:00:00.000Z' }))
  const bad = await s.load()
  t.notOk(bad.ok, 'a sink position with a negative file is refused')
})
