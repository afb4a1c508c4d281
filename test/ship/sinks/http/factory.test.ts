import t from 'tap'
import { checkConfig } from '../../../../src/config/validate.js'
import { httpAuth } from '../../../../src/ship/sinks/http/factory.js'
import type { FactoryContext, SinkConfigOf } from '../../../../src/ship/sinks/factory.js'

async function http (auth: Record<string, unknown>): Promise<SinkConfigOf<'http'>> {
  const r = checkConfig({ sinks: [{ type: 'http', endpoints: ['http://c/in'], auth }] })
  if (!r.ok || r.config.sinks[0].type !== 'http') throw new Error(JSON.stringify(r))
  return r.config.sinks[0]
}

t.test('the Authorization header of each auth type; a missing secret is an issue under auth', async (t) => {
  const dir = t.testdir({ token: 'tok\n' })
  const issues: string[] = []
  const ctx: FactoryContext = { at: 'sinks[3]', issue: (p, m) => issues.push(`${p}: ${m}`), warn: () => {}, host: 'node-1' }
  t.same(await httpAuth(await http({ type: 'none' }), ctx), {})
  t.same(await httpAuth(await http({ type: 'bearer', token_file: `${dir}/token` }), ctx), { authorization: 'Bearer tok' })
  t.same(issues, [])
  await httpAuth(await http({ type: 'basic', username: 'u', password_file: `${dir}/nope` }), ctx)
  t.same(issues, [`sinks[3].auth.password_file: cannot read ${dir}/nope: no such file (ENOENT)`])
})
