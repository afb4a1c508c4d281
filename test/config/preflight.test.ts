import t from 'tap'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { checkConfig } from '../../src/config/validate.js'
import { preflight } from '../../src/config/preflight.js'
import type { Config } from '../../src/config/types.js'

function config (doc: Record<string, unknown>): Config {
  const r = checkConfig({ sinks: [{ type: 'stdout' }], ...doc })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.config
}

const asRoot = process.getuid?.() === 0

t.test('nothing to say when run can start', async (t) => {
  const dir = t.testdir({ 'audit.log': 'type=X\n' })
  t.same(await preflight(config({ source: { path: join(dir, 'audit.log') }, state_dir: join(dir, 'new', 'state') })), [], 'a state dir that can be created is fine')
  t.same(await preflight(config({ source: { stdin: true }, state_dir: dir })), [], 'plugin mode: no audit log to check')
})

t.test('the audit log: missing, a directory, unreadable', async (t) => {
  const dir = t.testdir({ logs: {} })
  const missing = await preflight(config({ source: { path: join(dir, 'audit.log') }, state_dir: dir }))
  t.match(missing, [{ path: 'source.path', message: `${join(dir, 'audit.log')} does not exist`, fix: /log_file in auditd\.conf/, error: { code: 'AS_RUN_PREFLIGHT' } }])
  t.match(await preflight(config({ state_dir: dir })).then((r) => r.filter((i) => i.path === 'source.path')), asRoot ? [] : [{ fix: /auditd/ }], 'the default path: install and start auditd')
  t.match(await preflight(config({ source: { path: join(dir, 'logs') }, state_dir: dir })),
    [{ path: 'source.path', message: `${join(dir, 'logs')} is a directory, not the audit log`, fix: `set source.path to the log file itself (e.g. ${join(dir, 'logs', 'audit.log')})` }])
  if (asRoot) { t.comment('running as root: cannot make a file unreadable'); return }
  const locked = join(dir, 'locked.log')
  writeFileSync(locked, '')
  chmodSync(locked, 0)
  t.match(await preflight(config({ source: { path: locked }, state_dir: dir })), [{ path: 'source.path', message: /permission denied \(EACCES\)/, fix: /log_group/ }])
})

t.test('the state dir and the dead-letter file', async (t) => {
  const dir = t.testdir({ 'audit.log': '', file: 'x', dl: {} })
  const base = { source: { path: join(dir, 'audit.log') } }
  t.match(await preflight(config({ ...base, state_dir: join(dir, 'file', 'state') })),
    [{ path: 'state_dir', message: `cannot create the state dir ${join(dir, 'file', 'state')}: ${join(dir, 'file')} is not a directory` }])
  t.match(await preflight(config({ ...base, state_dir: dir, delivery: { dead_letter_path: join(dir, 'dl') } })),
    [{ path: 'delivery.dead_letter_path', message: `the dead-letter file ${join(dir, 'dl')} is a directory` }])
  t.match(await preflight(config({ ...base, state_dir: dir, delivery: { dead_letter_path: join(dir, 'file', 'dl.ndjson') } })),
    [{ path: 'delivery.dead_letter_path', message: /is not a directory/ }])
  if (asRoot) { t.comment('running as root: cannot make a directory unwritable'); return }
  const ro = join(dir, 'ro')
  mkdirSync(ro)
  chmodSync(ro, 0o500)
  t.teardown(() => { chmodSync(ro, 0o700) })
  t.match(await preflight(config({ ...base, state_dir: join(ro, 'state') })), [{ path: 'state_dir', message: /is not writable: permission denied/, fix: /install -d/ }])
})

t.test('the server port: in use is reported, free is fine, the server off is not checked', async (t) => {
  const dir = t.testdir({ 'audit.log': '' })
  const srv: Server = createServer()
  await new Promise<void>((resolve) => srv.listen({ host: '127.0.0.1', port: 0 }, resolve))
  t.teardown(() => { srv.close() })
  const port = (srv.address() as { port: number }).port
  const base = { source: { path: join(dir, 'audit.log') }, state_dir: dir }
  t.match(await preflight(config({ ...base, server: { enabled: true, listen: `127.0.0.1:${port}` } })),
    [{ path: 'server.listen', message: `cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE)`, fix: /ss -ltnp/ }])
  t.same(await preflight(config({ ...base, server: { enabled: false, listen: `127.0.0.1:${port}` } })), [])
  t.same(await preflight(config({ ...base, server: { enabled: true, listen: `127.0.0.1:${port}` } }), { port: false }), [], 'port: false skips it')
  await new Promise((resolve) => srv.close(resolve))
  t.same(await preflight(config({ ...base, server: { enabled: true, listen: `127.0.0.1:${port}` } })), [], 'free again')
})
