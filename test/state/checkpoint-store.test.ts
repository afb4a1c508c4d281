import t from 'tap'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CheckpointStore } from '../../src/state/checkpoint-store.js'

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
