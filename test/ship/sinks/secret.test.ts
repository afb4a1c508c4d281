import t from 'tap'
import { writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { readSecret } from '../../../src/ship/sinks/secret.js'
import type { FactoryContext } from '../../../src/ship/sinks/factory.js'

function ctx (): FactoryContext & { issues: Array<{ path: string, message: string }> } {
  const issues: Array<{ path: string, message: string }> = []
  return { at: 'sinks[0]', issues, issue: (path, message) => issues.push({ path, message }), warn: () => {}, host: 'node-1' }
}

t.test('from a file (trimmed) or the environment; neither given: none', async (t) => {
  const dir = t.testdir({ 'es.key': ' id:key \n' })
  const c = ctx()
  t.equal(await readSecret(c, 'sinks[0].auth', 'api_key', join(dir, 'es.key'), null), 'id:key')
  process.env.AUDITSHIP_TEST_SECRET = ' pw\n'
  t.teardown(() => { delete process.env.AUDITSHIP_TEST_SECRET })
  t.equal(await readSecret(c, 'sinks[0].auth', 'password', null, 'AUDITSHIP_TEST_SECRET'), 'pw')
  t.equal(await readSecret(c, 'sinks[0].auth', 'token', null, null), undefined)
  t.same(c.issues, [])
})

t.test('a secret that cannot be had is an issue at its key, with the reason and without the value', async (t) => {
  const dir = t.testdir({ empty: '\n', two: 'line1\nline2\n' })
  const c = ctx()
  process.env.AUDITSHIP_TEST_TWO = 'a\rb'
  t.teardown(() => { delete process.env.AUDITSHIP_TEST_TWO })
  t.equal(await readSecret(c, 'sinks[0].auth', 'api_key', join(dir, 'nope'), null), undefined)
  await readSecret(c, 'sinks[0].auth', 'api_key', join(dir, 'empty'), null)
  await readSecret(c, 'sinks[0]', 'token', join(dir, 'two'), null)
  await readSecret(c, 'sinks[0].auth', 'token', null, 'AUDITSHIP_NOT_SET')
  await readSecret(c, 'sinks[0].auth', 'token', null, 'AUDITSHIP_TEST_TWO')
  t.same(c.issues, [
    { path: 'sinks[0].auth.api_key_file', message: `cannot read ${join(dir, 'nope')}: no such file (ENOENT)` },
    { path: 'sinks[0].auth.api_key_file', message: `${join(dir, 'empty')} is empty` },
    { path: 'sinks[0].token_file', message: `${join(dir, 'two')} holds more than one line (or a control character): one secret, one line` },
    { path: 'sinks[0].auth.token_env', message: 'the environment variable AUDITSHIP_NOT_SET is not set or empty' },
    { path: 'sinks[0].auth.token_env', message: 'the environment variable AUDITSHIP_TEST_TWO holds a line break or control character' },
  ])
  t.notMatch(JSON.stringify(c.issues), /line1|a\\rb/, 'values never appear')
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked')
    writeFileSync(locked, 'x')
    chmodSync(locked, 0)
    const d = ctx()
    await readSecret(d, 'sinks[0].auth', 'api_key', locked, null)
    t.match(d.issues, [{ path: 'sinks[0].auth.api_key_file', message: /permission denied \(EACCES\)/ }])
  }
})
