import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { prepare } from '../../src/config/prepare.js'

function config (dir: string, yaml: string): string {
  const f = join(dir, 'auditship.yaml')
  writeFileSync(f, yaml)
  return f
}

t.test('ok: the config, the secrets and the sinks, built', async (t) => {
  const dir = t.testdir({ token: 'hec-token\n' })
  const p = await prepare(config(dir, `sinks:
  - { type: stdout }
  - { type: splunk_hec, name: hec, endpoints: ["https://hec:8088"], token_file: ${join(dir, 'token')} }
`))
  if (!p.ok) throw new Error(JSON.stringify(p.errors))
  t.teardown(async () => { await Promise.all(p.sinks.map(async (b) => await b.sink.close())) })
  t.equal(p.config.sinks[0].name, 'stdout-0')
  t.ok(Object.isFrozen(p.config))
  t.equal(p.secrets.server, undefined, 'no server, no token read')
  t.same(p.sinks.map((b) => b.sink.name), ['stdout-0', 'hec'])
  const missing = await prepare(config(dir, `sinks:
  - { type: splunk_hec, name: hec, endpoints: ["https://hec:8088"], token_file: ${join(dir, 'nope')} }
`))
  t.match(missing, { ok: false, exitCode: 78, errors: [{ path: 'sinks[0].token_file', message: /no such file/ }] }, "the sink factory's unreadable secret refuses the start")
})

t.test('the logger is made from the valid config; the sinks warn to it', async (t) => {
  const dir = t.testdir()
  const warned: Array<[Record<string, unknown>, string]> = []
  let level: string | undefined
  const p = await prepare(config(dir, 'log: { level: debug }\nsinks: [{ type: http, name: c, endpoints: ["https://c/in"], tls: { insecure_skip_verify: true } }]\n'), {
    logger: (c) => { level = c.log.level; return { warn: (fields: Record<string, unknown>, msg: string) => { warned.push([fields, msg]) } } },
  })
  if (!p.ok) throw new Error(JSON.stringify(p.errors))
  t.teardown(async () => { await Promise.all(p.sinks.map(async (b) => await b.sink.close())) })
  t.equal(level, 'debug')
  t.match(warned, [[{ sink: 'c' }, /insecure_skip_verify/]])
  t.equal(typeof p.log.warn, 'function', 'the logger is handed back')
})

t.test('every failure is a value with the key paths, AS_CONFIG_INVALID and exit 78', async (t) => {
  const dir = t.testdir()
  const failure = { ok: false, error: { code: 'AS_CONFIG_INVALID', kind: 'config' }, exitCode: 78 }
  t.match(await prepare(join(dir, 'missing.yaml')), { ...failure, errors: [{ path: '(file)', message: /no such file \(ENOENT\)/ }] })
  t.match(await prepare(config(dir, 'sinks: []\n')), { ...failure, errors: [{ path: 'sinks', message: 'must list at least one entry' }] })
  t.match(await prepare(config(dir, 'sinks: [{ type: splunk_hec, endpoints: ["https://hec:8088"], token_env: AUDITSHIP_TEST_UNSET_VAR }]\n')),
    { ...failure, errors: [{ path: 'sinks[0].token_env', message: 'the environment variable AUDITSHIP_TEST_UNSET_VAR is not set or empty' }] })
  t.match(await prepare(config(dir, 'sinks: [{ type: http, endpoints: ["https://c/in"], tls: { ca_file: /no/such/ca.pem } }]\n')),
    { ...failure, errors: [{ path: 'sinks[0].tls.ca_file', message: /cannot read \/no\/such\/ca\.pem/ }] })
})

t.test('the server token is read with the secrets, when the server is on', async (t) => {
  const dir = t.testdir({ token: ' s3cret \n', empty: '\n' })
  const on = (file: string): string => config(dir, `server: { enabled: true, auth_token_file: ${file} }\nsinks: [{ type: stdout }]\n`)
  const ok = await prepare(on(join(dir, 'token')))
  t.match(ok, { ok: true, secrets: { server: 's3cret' } })
  if (ok.ok) await Promise.all(ok.sinks.map(async (b) => await b.sink.close()))
  t.match(await prepare(on(join(dir, 'nope'))), { ok: false, exitCode: 78, errors: [{ path: 'server.auth_token_file', message: `cannot read ${join(dir, 'nope')}: no such file (ENOENT)` }] })
  t.match(await prepare(on(join(dir, 'empty'))), { ok: false, errors: [{ path: 'server.auth_token_file', message: `${join(dir, 'empty')} is empty` }] })
  const off = await prepare(config(dir, `server: { enabled: false, auth_token_file: ${join(dir, 'nope')} }\nsinks: [{ type: stdout }]\n`))
  t.match(off, { ok: true, secrets: { server: undefined } }, 'not read while the server is off')
  if (off.ok) await Promise.all(off.sinks.map(async (b) => await b.sink.close()))
})

t.test("unreadable: 'warn' (check-config): secrets and TLS files that cannot be read are warnings with the fix", async (t) => {
  const dir = t.testdir()
  const f = config(dir, `server: { enabled: true, auth_token_file: ${join(dir, 'nope')} }\nsinks: [{ type: splunk_hec, endpoints: ["https://hec:8088"], token_file: ${join(dir, 'hec')}, tls: { ca_file: ${join(dir, 'ca.pem')} } }]\n`)
  const p = await prepare(f, { unreadable: 'warn' })
  if (!p.ok) throw new Error(JSON.stringify(p.errors))
  t.match(p.warnings, [
    { path: 'sinks[0].token_file', message: /no such file/, fix: /put the secret in that file/ },
    { path: 'sinks[0].tls.ca_file', message: /cannot read/, fix: /CA certificate/ },
    { path: 'server.auth_token_file', message: /no such file/, fix: /put the secret in that file/ },
  ])
  t.same(p.sinks, [], 'no sinks when a secret or TLS file cannot be read')
  t.equal(p.secrets.server, undefined)
  t.match(await prepare(f), { ok: false, exitCode: 78, errors: [{ path: 'sinks[0].token_file' }, { path: 'sinks[0].tls.ca_file' }, { path: 'server.auth_token_file' }] }, 'by default (run, doctor): errors, all at once')
  const invalid = await prepare(config(dir, 'sinks: []\n'), { unreadable: 'warn' })
  t.match(invalid, { ok: false, exitCode: 78 }, 'an invalid configuration stays an error')
  const fine = await prepare(config(dir, 'sinks: [{ type: stdout }]\n'), { unreadable: 'warn' })
  t.match(fine, { ok: true, warnings: [] })
  if (fine.ok) await Promise.all(fine.sinks.map(async (b) => await b.sink.close()))
})

t.test('host.name is the host of the sinks too: the HEC host of an event without node=', async (t) => {
  const { startFakeHec } = await import('../helpers/fake-hec.js')
  const { outEvents } = await import('../helpers/out-events.js')
  const hec = await startFakeHec({ tokens: [{ token: 'tok' }] })
  t.teardown(async () => { await hec.close() })
  const dir = t.testdir({ token: 'tok\n' })
  const p = await prepare(config(dir, `host: { name: edge-7 }
sinks:
  - { type: splunk_hec, name: hec, endpoints: ["${hec.url}"], token_file: ${join(dir, 'token')}, ack: false }
`))
  if (!p.ok) throw new Error(JSON.stringify(p.errors))
  t.teardown(async () => { await Promise.all(p.sinks.map(async (b) => await b.sink.close())) })
  await p.sinks[0].sink.write(outEvents(2))
  t.same(hec.events.map((e) => e.host), ['edge-7', 'edge-7'], 'the configured name, not the machine\'s')
  await p.sinks[0].sink.write(outEvents(1, 5, { node: 'db-3' }))
  t.equal(hec.events[2].host, 'db-3', 'node= still wins')
})
