import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { moveAside, stamp } from '../../src/delivery/checkpoint-reset.js'

t.test('the checkpoint is moved aside beside itself, never deleted nor overwriting an earlier one', async (t) => {
  const dir = t.testdir({ 'checkpoint.json': 'bad one' })
  const path = join(dir, 'checkpoint.json')
  const when = new Date('2024-05-01T12:30:45.123Z')
  t.equal(stamp(when), '20240501T123045Z')
  t.same(await moveAside(path, when), { ok: true, movedTo: `${path}.bad-20240501T123045Z` })
  t.same(await moveAside(path, when), { ok: true, movedTo: undefined }, 'nothing left to move')
  t.equal(readFileSync(`${path}.bad-20240501T123045Z`, 'utf8'), 'bad one', 'kept as it was')
  const d2 = t.testdir({ 'checkpoint.json': 'second', 'checkpoint.json.bad-20240501T123045Z': 'first' })
  const p2 = join(d2, 'checkpoint.json')
  t.same(await moveAside(p2, when), { ok: true, movedTo: `${p2}.bad-20240501T123045Z-1` })
  t.same(readdirSync(d2).sort(), ['checkpoint.json.bad-20240501T123045Z', 'checkpoint.json.bad-20240501T123045Z-1'])
  t.equal(readFileSync(`${p2}.bad-20240501T123045Z`, 'utf8'), 'first')
})

t.test('a checkpoint that cannot be moved is an error value', async (t) => {
  const dir = t.testdir({ 'checkpoint.json': { 'x': 'a directory holding a file' } })
  const r = await moveAside(join(dir, 'checkpoint.json', 'x', 'y'))
  t.same(r, { ok: true, movedTo: undefined }, 'nothing there')
  const ro = await moveAside('/proc/version')
  t.match(ro, { ok: false, error: /cannot move \/proc\/version aside to \/proc\/version\.bad-\d{8}T\d{6}Z: / })
})
