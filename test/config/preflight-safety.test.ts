import t from 'tap'
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkConfig } from '../../src/config/validate.js'
import { preflight } from '../../src/config/preflight.js'
import { checkSafety } from '../../src/config/preflight-safety.js'
import type { Config } from '../../src/config/types.js'

function config (doc: Record<string, unknown>): Config {
  const r = checkConfig({ sinks: [{ type: 'stdout' }], ...doc })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.config
}

const asRoot = process.geteuid?.() === 0

t.test('safe directories, or ones not created yet: nothing to say', async (t) => {
  const dir = t.testdir({ state: {}, out: {} })
  for (const d of ['', 'state', 'out']) chmodSync(join(dir, d), 0o755)
  t.same(await checkSafety(config({ state_dir: join(dir, 'state'), sinks: [{ type: 'file', path: join(dir, 'out', 'e.ndjson') }] })), [])
  t.same(await checkSafety(config({ state_dir: join(dir, 'new', 'state'), delivery: { dead_letter_path: join(dir, 'new2', 'dl.ndjson') } })), [])
})

t.test('a state dir, dead-letter directory or output directory that others can write in is refused, naming the path and the reason', async (t) => {
  const dir = t.testdir({ 'audit.log': '', state: {}, dl: {}, out: {} })
  chmodSync(dir, 0o755)
  chmodSync(join(dir, 'state'), 0o775)
  chmodSync(join(dir, 'dl'), 0o777)
  chmodSync(join(dir, 'out'), 0o1777)
  const c = config({
    source: { path: join(dir, 'audit.log') },
    state_dir: join(dir, 'state'),
    delivery: { dead_letter_path: join(dir, 'dl', 'dead.ndjson') },
    sinks: [{ type: 'stdout' }, { type: 'file', name: 'archive', path: join(dir, 'out', 'events.ndjson') }],
  })
  const issues = await preflight(c, { port: false })
  t.match(issues, [
    { path: 'state_dir', message: `the directory of the checkpoint, ${join(dir, 'state')}, is writable by its group (mode 0775): a user who can write there could make auditship (root) overwrite any file`, fix: /chmod g-w/, error: { code: 'AS_RUN_PREFLIGHT' } },
    { path: 'delivery.dead_letter_path', message: /the directory of the dead-letter file, .*\/dl, is writable by every user \(mode 0777\)/, fix: /chmod o-w/ },
    { path: 'sinks[1].path', message: /the directory of the output of sink archive, .*\/out, is writable by every user \(mode 01777\)/ },
  ])
  t.equal(issues.length, 3)
})

t.test('owned by another non-root user', { skip: asRoot ? false : 'needs root to chown' }, async (t) => {
  const dir = t.testdir({ out: {} })
  chmodSync(dir, 0o755)
  chmodSync(join(dir, 'out'), 0o755)
  chownSync(join(dir, 'out'), 65534, 65534)
  t.match(await checkSafety(config({ state_dir: join(dir, 'state'), sinks: [{ type: 'file', path: join(dir, 'out', 'e.ndjson') }] })),
    [{ path: 'sinks[0].path', message: /out, is owned by uid 65534, neither root nor the user auditship runs as/, fix: /chown/ }])
})

t.test('a symlink where a file is written is refused', async (t) => {
  const dir = t.testdir({ state: {}, shadow: 'root only' })
  chmodSync(dir, 0o755)
  chmodSync(join(dir, 'state'), 0o750)
  symlinkSync(join(dir, 'shadow'), join(dir, 'state', 'dead-letter.ndjson'))
  symlinkSync(join(dir, 'shadow'), join(dir, 'events.ndjson'))
  mkdirSync(join(dir, 'x'))
  writeFileSync(join(dir, 'x', 'plain.ndjson'), '')
  t.match(await checkSafety(config({ state_dir: join(dir, 'state'), sinks: [{ type: 'file', path: join(dir, 'events.ndjson') }, { type: 'file', path: join(dir, 'x', 'plain.ndjson') }] })), [
    { path: 'state_dir', message: `the dead-letter file ${join(dir, 'state', 'dead-letter.ndjson')} is a symbolic link: auditship does not write through links`, fix: /rm / },
    { path: 'sinks[0].path', message: /events\.ndjson is a symbolic link/ },
  ])
})
