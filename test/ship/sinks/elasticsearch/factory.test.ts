import t from 'tap'
import { checkConfig } from '../../../../src/config/validate.js'
import { elasticsearchAuth } from '../../../../src/ship/sinks/elasticsearch/factory.js'
import type { FactoryContext, SinkConfigOf } from '../../../../src/ship/sinks/factory.js'

async function es (auth: Record<string, unknown>): Promise<SinkConfigOf<'elasticsearch'>> {
  const r = checkConfig({ sinks: [{ type: 'elasticsearch', endpoints: ['http://es:9200'], auth }] })
  if (!r.ok || r.config.sinks[0].type !== 'elasticsearch') throw new Error(JSON.stringify(r))
  return r.config.sinks[0]
}

const issues: string[] = []
const ctx: FactoryContext = { at: 'sinks[0]', issue: (p, m) => issues.push(`${p}: ${m}`), warn: () => {}, host: 'node-1' }

t.test('the Authorization header of each auth type', async (t) => {
  process.env.AUDITSHIP_TEST_ES = 'c2VjcmV0'
  process.env.AUDITSHIP_TEST_ID_KEY = 'VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw'
  t.teardown(() => { delete process.env.AUDITSHIP_TEST_ES; delete process.env.AUDITSHIP_TEST_ID_KEY })
  t.same(await elasticsearchAuth(await es({ type: 'none' }), ctx), {})
  t.same(await elasticsearchAuth(await es({ type: 'basic', username: 'elastic', password_env: 'AUDITSHIP_TEST_ES' }), ctx), { authorization: `Basic ${Buffer.from('elastic:c2VjcmV0').toString('base64')}` })
  t.same(await elasticsearchAuth(await es({ type: 'api_key', api_key_env: 'AUDITSHIP_TEST_ES' }), ctx), { authorization: 'ApiKey c2VjcmV0' }, 'the encoded key as is')
  t.same(await elasticsearchAuth(await es({ type: 'api_key', api_key_env: 'AUDITSHIP_TEST_ID_KEY' }), ctx), { authorization: `ApiKey ${Buffer.from('VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw').toString('base64')}` }, 'id:key is encoded')
  t.same(await elasticsearchAuth(await es({ type: 'bearer', token_env: 'AUDITSHIP_TEST_ES' }), ctx), { authorization: 'Bearer c2VjcmV0' })
  t.same(issues, [])
})

t.test('a missing secret is an issue under auth', async (t) => {
  issues.length = 0
  await elasticsearchAuth(await es({ type: 'api_key', api_key_env: 'AUDITSHIP_NOT_SET' }), ctx)
  t.same(issues, ['sinks[0].auth.api_key_env: the environment variable AUDITSHIP_NOT_SET is not set or empty'])
})
