/**
 * `auditship setup elasticsearch` against the fake Elasticsearch: the policy then the
 * template of the sink's mode, with its credentials; idempotent (unchanged, nothing PUT);
 * an older object is updated; --print sends nothing and reads no secret; failures exit 1
 * with Elasticsearch's reason, bad configurations 78, bad usage 64.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cliPath } from '../helpers/cli.js'
import { startFakeEs } from '../helpers/fake-es.js'

const KEY = 'c2V0dXAta2V5'

/** The CLI as a child, without blocking the event loop (the fake server answers in-process). */
async function cli (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const c = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  c.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  c.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number | null>((resolve) => c.on('close', resolve))
  return { code, stdout, stderr }
}

function config (dir: string, url: string, sink: string, keyFile = join(dir, 'es.key')): string {
  const p = join(dir, 'cfg.yaml')
  writeFileSync(p, `sinks:\n  - type: elasticsearch\n    name: es\n    endpoints: [${url}]\n${sink}    auth: { type: api_key, api_key_file: ${keyFile} }\n`)
  return p
}

t.test('daily indices: ILM policy auditship-daily, then index template auditship; again: unchanged', async (t) => {
  const es = await startFakeEs({ auth: { apiKey: KEY } })
  t.teardown(async () => { await es.close() })
  const dir = t.testdir({ 'es.key': `${KEY}\n` })
  const cfg = config(dir, es.url, '')
  const r = await cli(['setup', 'elasticsearch', '--config', cfg])
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'es: ILM policy auditship-daily: created\nes: index template auditship: created\n')
  t.same(es.requests.map((q) => `${q.method} ${q.path} ${q.status}`), [
    'GET /_ilm/policy/auditship-daily 404', 'PUT /_ilm/policy/auditship-daily 200',
    'GET /_index_template/auditship 404', 'PUT /_index_template/auditship 200',
  ], 'the policy before the template that names it')
  t.ok(es.requests.every((q) => q.headers.authorization === `ApiKey ${KEY}`), 'with the sink\'s credentials')
  const policy = es.ilmPolicies.get('auditship-daily')?.policy as { _meta: Record<string, string>, phases: object }
  t.match(policy._meta, { managed_by: 'auditship', auditship_sha256: /^[0-9a-f]{64}$/ })
  t.ok(policy.phases !== undefined)
  const tpl = es.indexTemplates.get('auditship') as { index_patterns: string[], template: { settings: Record<string, string> } }
  t.same(tpl.index_patterns, ['auditship-*'])
  t.equal(tpl.template.settings['index.lifecycle.name'], 'auditship-daily')

  const before = es.requests.length
  const again = await cli(['setup', 'elasticsearch', '--config', cfg])
  t.equal(again.code, 0)
  t.equal(again.stdout, 'es: ILM policy auditship-daily: unchanged\nes: index template auditship: unchanged\n')
  t.same(es.requests.slice(before).map((q) => q.method), ['GET', 'GET'], 'nothing PUT the second time')

  // an object installed by another version (or by hand): updated
  const stored = es.indexTemplates.get('auditship') as { _meta: Record<string, string> }
  es.indexTemplates.set('auditship', { ...stored, _meta: { ...stored._meta, auditship_sha256: 'older' } })
  const upd = await cli(['setup', 'elasticsearch', '--config', cfg])
  t.equal(upd.stdout, 'es: ILM policy auditship-daily: unchanged\nes: index template auditship: updated\n')
  t.equal((es.indexTemplates.get('auditship') as { _meta: Record<string, string> })._meta.auditship_sha256, stored._meta.auditship_sha256, 'the current body is back')
})

t.test('a data stream: ILM policy auditship, data stream template logs-auditship', async (t) => {
  const es = await startFakeEs({ auth: { apiKey: KEY } })
  t.teardown(async () => { await es.close() })
  const dir = t.testdir({ 'es.key': KEY })
  const r = await cli(['setup', 'elasticsearch', '--config', config(dir, es.url, '    data_stream: logs-auditship-default\n')])
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'es: ILM policy auditship: created\nes: data stream template logs-auditship: created\n')
  t.match(es.indexTemplates.get('logs-auditship'), { index_patterns: ['logs-auditship-*'], data_stream: {} })
  t.equal(r.stderr, '', 'the name matches the template: no warning')
  const other = await cli(['setup', 'elasticsearch', '--config', config(dir, es.url, '    data_stream: logs-audit-default\n')])
  t.match(other.stderr, /warning: es: data_stream logs-audit-default does not match the template's index_patterns/)
})

t.test('--print: the requests, nothing sent, no secret read', async (t) => {
  const es = await startFakeEs({ auth: { apiKey: KEY } })
  t.teardown(async () => { await es.close() })
  const dir = t.testdir()
  const r = await cli(['setup', 'elasticsearch', '--print', '--config', config(dir, es.url, '', join(dir, 'missing.key'))])
  t.equal(r.code, 0, r.stderr)
  t.equal(es.requests.length, 0)
  t.match(r.stdout, /^# sink es: http:\/\/127\.0\.0\.1:\d+\nPUT \/_ilm\/policy\/auditship-daily\n\{\n {2}"policy": \{/)
  t.match(r.stdout, /\nPUT \/_index_template\/auditship\n\{\n {2}"index_patterns": \[/)
  t.notMatch(r.stdout, new RegExp(KEY))
})

t.test('failures: refused credentials exit 1 with the reason; configuration 78; usage 64', async (t) => {
  const es = await startFakeEs({ auth: { apiKey: KEY } })
  t.teardown(async () => { await es.close() })
  const dir = t.testdir({ 'es.key': 'd3Jvbmc=' })
  const bad = await cli(['setup', 'elasticsearch', '--config', config(dir, es.url, '')])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /^auditship setup: es: GET http:\/\/127\.0\.0\.1:\d+\/_ilm\/policy\/auditship-daily: HTTP 401: security_exception: .*manage_ilm and manage_index_templates/)
  t.notMatch(bad.stderr, /d3Jvbmc=/, 'the key is not in the message')
  t.equal(es.ilmPolicies.size + es.indexTemplates.size, 0)

  const noKey = await cli(['setup', 'elasticsearch', '--config', config(dir, es.url, '', join(dir, 'missing.key'))])
  t.equal(noKey.code, 78)
  t.match(noKey.stderr, /sinks\[0\]\.auth\.api_key_file: cannot read/)

  const plain = join(dir, 'plain.yaml')
  writeFileSync(plain, 'sinks:\n  - type: stdout\n')
  const none = await cli(['setup', 'elasticsearch', '--config', plain])
  t.equal(none.code, 78)
  t.match(none.stderr, /has no elasticsearch sink/)

  const down = await cli(['setup', 'elasticsearch', '--config', config(dir, 'http://127.0.0.1:1', '')])
  t.equal(down.code, 1)
  t.match(down.stderr, /^auditship setup: es: /)

  t.equal((await cli(['setup', 'kibana', '--config', plain])).code, 64)
  t.equal((await cli(['setup', 'elasticsearch'])).code, 64)
  t.match((await cli(['setup', '--help'])).stdout, /--print/)
})
