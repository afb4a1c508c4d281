import t, { type Test } from 'tap'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { checkConfig } from '../../src/config/validate.js'
import type { ConfigIssue, ConfigResult } from '../../src/config/types.js'
import { repoRoot } from '../helpers/pipeline.js'

async function load (t: Test, text: string, name = 'auditship.yaml'): Promise<ConfigResult> {
  const file = join(t.testdir(), name)
  writeFileSync(file, text)
  return await loadConfig(file)
}

async function issues (t: Test, text: string): Promise<ConfigIssue[]> {
  const r = await load(t, text)
  if (r.ok) { t.fail('expected an invalid config'); return [] }
  return r.errors
}

const BATCH = { max_events: 500, max_bytes: 1048576, flush_interval_ms: 200 }
const MINIMAL = 'source:\n  path: /var/log/audit/audit.log\nsinks:\n  - type: stdout\n'

t.test('a minimal config gets every default', async (t) => {
  const r = await load(t, MINIMAL)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  t.same(r.config, {
    source: { path: '/var/log/audit/audit.log', stdin: false, read_from: 'end', max_line_bytes: 65536, read_chunk_bytes: 262144, poll_interval_ms: 1000, coalesce_ms: 50 },
    host: { name: null },
    correlate: { max_in_flight: 4096, event_timeout_secs: 2, idle_timeout_ms: 3000, max_event_records: 1000, max_event_bytes: 1048576 },
    enrich: {
      teleport: { enabled: true, grace_secs: 10, max_sessions: 2000, max_processes: 20000 },
      resolve_ids: { enabled: false, passwd: '/etc/passwd', group: '/etc/group' },
      include_original: false,
      fields: {},
    },
    filter: [],
    label: [],
    output: { records: 'full' },
    state_dir: '/var/lib/auditship',
    checkpoint: { interval_ms: 1000, after_delivery_ms: 200 },
    delivery: { max_pending_events: 4000, max_pending_bytes: 8388608, dead_letter_path: null },
    sinks: [{ type: 'stdout', name: 'stdout-0', batch: BATCH }],
    server: { enabled: true, listen: '127.0.0.1:9477', auth_token_file: null, max_lag_secs: 300 },
    log: { level: 'info', format: 'auto', stats_interval_secs: 60 },
    shutdown: { timeout_ms: 10000 },
  })
  t.same(Object.keys(r.config), ['source', 'host', 'correlate', 'enrich', 'filter', 'label', 'output', 'state_dir', 'checkpoint', 'delivery', 'sinks', 'server', 'log', 'shutdown'], 'keys in schema order')
})

t.test('defaults fill empty and partial objects, and every sink type', async (t) => {
  const r = await load(t, `source: {}
enrich: { teleport: { grace_secs: 3 } }
sinks:
  - { type: file, path: /tmp/a.ndjson, batch: { max_events: 7 } }
  - { type: stdout, name: out }
  - { type: blackhole }
`)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  const c = r.config
  t.equal(c.source.path, '/var/log/audit/audit.log')
  t.same(c.enrich.teleport, { enabled: true, grace_secs: 3, max_sessions: 2000, max_processes: 20000 })
  t.same(c.sinks[0], { type: 'file', name: 'file-0', path: '/tmp/a.ndjson', fsync: true, batch: { ...BATCH, max_events: 7 } })
  t.same(c.sinks[1], { type: 'stdout', name: 'out', batch: BATCH })
  t.same(c.sinks[2], { type: 'blackhole', name: 'blackhole-2', delay_ms: 0, batch: BATCH })
})

t.test('JSON is accepted (it is YAML)', async (t) => {
  const r = await load(t, JSON.stringify({ sinks: [{ type: 'stdout' }], log: { level: 'debug' } }), 'auditship.json')
  t.ok(r.ok)
  if (r.ok) t.equal(r.config.log.level, 'debug')
})

t.test('the result is deeply frozen', async (t) => {
  const r = await load(t, MINIMAL)
  if (!r.ok) throw new Error('invalid')
  const c = r.config as any
  for (const o of [c, c.source, c.enrich.teleport, c.sinks, c.sinks[0], c.sinks[0].batch]) t.ok(Object.isFrozen(o))
  t.throws(() => { c.source.path = '/x' }, TypeError)
  t.throws(() => { c.sinks.push({ type: 'stdout' }) }, TypeError)
})

t.test('checkConfig does not change the document it is given', async (t) => {
  const doc = { sinks: [{ type: 'stdout' }] }
  const r = checkConfig(doc)
  t.ok(r.ok)
  t.same(doc, { sinks: [{ type: 'stdout' }] })
  t.notOk(Object.isFrozen(doc))
})

t.test('unknown keys: the path of the key, named in the message', async (t) => {
  t.same(await issues(t, 'sinkz: []\nsinks: [{type: stdout}]\n'), [{ path: 'sinkz', message: 'unknown key "sinkz" (did you mean "sinks"?)' }])
  t.same(await issues(t, 'source: { pth: /x }\nsinks: [{type: stdout}]\n'), [{ path: 'source.pth', message: 'unknown key "pth" (did you mean "path"?)' }])
  t.same(await issues(t, 'sinks: [{type: stdout, batch: { colour: red }}]\n'), [{ path: 'sinks[0].batch.colour', message: 'unknown key "colour" (known keys: max_events, max_bytes, flush_interval_ms)' }])
  t.same(await issues(t, 'sinks: [{type: stdout, path: /x}]\n'), [{ path: 'sinks[0].path', message: 'unknown key "path" (known keys: type, name, batch)' }], 'keys of another sink type')
  t.same(await issues(t, 'sinks: [{type: stdout}]\n"a b": 1\n'), [{ path: '["a b"]', message: 'unknown key "a b" (known keys: source, host, correlate, enrich, filter, label, output, state_dir, checkpoint, delivery, sinks, server, log, shutdown)' }])
})

t.test('wrong enum values list the allowed ones', async (t) => {
  t.same(await issues(t, 'source: { read_from: start }\nsinks: [{type: stdout}]\n'), [{ path: 'source.read_from', message: 'must be one of beginning, end (got "start")' }])
  t.same(await issues(t, 'log: { level: verbose }\nsinks: [{type: stdout}]\n'), [{ path: 'log.level', message: 'must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")' }])
  t.same(await issues(t, 'output: { records: lean }\nsinks: [{type: stdout}]\n'), [{ path: 'output.records', message: 'must be one of full, compact, none (got "lean")' }])
})

t.test('wrong types and ranges', async (t) => {
  // (in the order of the schema; a wrong type is not also reported as out of range)
  t.same(await issues(t, `source: { max_line_bytes: lots, stdin: yes }
correlate: 5
checkpoint: { interval_ms: 2.5 }
delivery: { max_pending_events: 0 }
sinks: [{type: stdout}]
`), [
    { path: 'source.stdin', message: 'must be a boolean (true or false) (got "yes")' },
    { path: 'source.max_line_bytes', message: 'must be an integer (got "lots")' },
    { path: 'correlate', message: 'must be a mapping of keys (got 5)' },
    { path: 'checkpoint.interval_ms', message: 'must be an integer (got 2.5)' },
    { path: 'delivery.max_pending_events', message: 'must be >= 1 (got 0)' },
  ])
  t.same(await issues(t, 'delivery: { dead_letter_path: 3 }\nsinks: [{type: stdout}]\n'), [{ path: 'delivery.dead_letter_path', message: 'must be a string or null (got 3)' }])
  t.same(await issues(t, 'sinks: { type: stdout }\n'), [{ path: 'sinks', message: 'must be a list (got a mapping)' }])
})

t.test('sinks: required, at least one, type-specific errors', async (t) => {
  t.same(await issues(t, 'source: { path: /var/log/audit/audit.log }\n'), [{ path: 'sinks', message: 'is required' }])
  t.same(await issues(t, 'sinks: []\n'), [{ path: 'sinks', message: 'must list at least one entry' }])
  t.same(await issues(t, 'sinks: [{ type: kafka }]\n'), [{ path: 'sinks[0].type', message: 'must be one of file, stdout, blackhole, elasticsearch, splunk_hec, http (got "kafka")' }])
  t.same(await issues(t, 'sinks: [{ path: /x }]\n'), [{ path: 'sinks[0].type', message: 'is required' }])
  t.same(await issues(t, 'sinks: [{type: stdout}, { type: file }]\n'), [{ path: 'sinks[1].path', message: 'is required' }])
  t.same(await issues(t, 'sinks: [{ type: file, path: /x, fsync: 1, batch: { max_events: 0 } }]\n'), [
    { path: 'sinks[0].fsync', message: 'must be a boolean (true or false) (got 1)' },
    { path: 'sinks[0].batch.max_events', message: 'must be >= 1 (got 0)' },
  ])
  t.same(await issues(t, 'sinks: [{ type: stdout, name: "" }]\n'), [{ path: 'sinks[0].name', message: 'must not be empty' }])
})

t.test('every problem is reported at once', async (t) => {
  const all = await issues(t, 'sinkz: 1\nsource: { read_from: x }\nsinks: [{ type: nope }, { type: file }]\n')
  t.same(all.map((i) => i.path), ['sinkz', 'source.read_from', 'sinks[0].type', 'sinks[1].path'])
})

t.test('an empty or non-mapping document', async (t) => {
  t.same(await issues(t, ''), [{ path: '(root)', message: 'the configuration is empty: it needs at least "sinks"' }])
  t.same(await issues(t, '# only a comment\n'), [{ path: '(root)', message: 'the configuration is empty: it needs at least "sinks"' }])
  t.same(await issues(t, '- a\n- b\n'), [{ path: '(root)', message: 'must be a mapping of keys (YAML) or an object (JSON) (got a list)' }])
})

t.test('YAML syntax errors come with line and column', async (t) => {
  const a = await issues(t, 'sinks:\n  - type: stdout\nsource:\n  path: /x\n stdin: true\n')
  t.equal(a.length, 1)
  t.equal(a[0].path, '(syntax)')
  t.match(a[0].message, /^line 5, column \d+: All mapping items must start at the same column$/)
  const b = await issues(t, 'sinks: [{type: stdout}]\nlog: { level: "info }\n')
  t.equal(b[0].path, '(syntax)')
  t.match(b[0].message, /^line \d+, column \d+: Missing closing "quote/)
  const c = await issues(t, 'sinks: [{type: stdout}]\nlog: {}\nlog: {}\n')
  t.match(c[0].message, /^line 3, column 1: Map keys must be unique/)
  const d = await issues(t, '{"sinks": [{"type": "stdout"}],\n  "log": {"level": "info",, }}\n')
  t.same(d, [{ path: '(syntax)', message: 'line 2, column 27: Unexpected , in flow map' }], 'bad JSON too')
})

t.test('an unreadable file', async (t) => {
  const dir = t.testdir()
  const missing = await loadConfig(join(dir, 'nope.yaml'))
  t.same(missing, { ok: false, errors: [{ path: '(file)', message: `cannot read ${join(dir, 'nope.yaml')}: no such file (ENOENT)` }] })
  const isDir = await loadConfig(dir)
  t.same(isDir, { ok: false, errors: [{ path: '(file)', message: `cannot read ${dir}: is a directory (EISDIR)` }] })
  if (process.getuid?.() !== 0) {
    const f = join(dir, 'secret.yaml')
    writeFileSync(f, MINIMAL)
    chmodSync(f, 0)
    const denied = await loadConfig(f)
    t.same(denied, { ok: false, errors: [{ path: '(file)', message: `cannot read ${f}: permission denied (EACCES)` }] })
  }
})

t.test('relative paths are refused', async (t) => {
  t.same(await issues(t, `source: { path: audit.log }
state_dir: state
delivery: { dead_letter_path: ./dead.ndjson }
sinks: [{ type: file, path: out/events.ndjson }]
`), [
    { path: 'source.path', message: 'must be an absolute path (got "audit.log")' },
    { path: 'state_dir', message: 'must be an absolute path (got "state")' },
    { path: 'delivery.dead_letter_path', message: 'must be an absolute path (got "./dead.ndjson")' },
    { path: 'sinks[0].path', message: 'must be an absolute path (got "out/events.ndjson")' },
  ])
  t.ok((await load(t, 'source: { path: audit.log, stdin: true }\nsinks: [{type: stdout}]\n')).ok, 'source.path does not matter with stdin')
  t.same(await issues(t, 'enrich: { resolve_ids: { enabled: true, passwd: passwd } }\nsinks: [{type: stdout}]\n'), [{ path: 'enrich.resolve_ids.passwd', message: 'must be an absolute path (got "passwd")' }])
  t.ok((await load(t, 'enrich: { resolve_ids: { passwd: passwd } }\nsinks: [{type: stdout}]\n')).ok, 'nor the passwd file when resolve_ids is off')
})

t.test('sinks must be distinct and must not write the log being read', async (t) => {
  t.same(await issues(t, `source: { path: /var/log/audit/audit.log }
sinks:
  - { type: file, path: /var/log/audit/../audit/audit.log }
  - { type: file, path: /tmp/out.ndjson }
  - { type: file, path: /tmp//out.ndjson, name: stdout-3 }
  - { type: stdout }
`), [
    { path: 'sinks[0].path', message: 'is the audit log being read (source.path): events would be read back' },
    { path: 'sinks[2].path', message: 'is the same file as sinks[1].path' },
    { path: 'sinks[3].name', message: '"stdout-3" is already the name of sinks[2]' },
  ])
})

t.test('server.listen: host:port with port 1-65535', async (t) => {
  t.same(await issues(t, 'server: { listen: "localhost:0" }\nsinks: [{type: stdout}]\n'), [{ path: 'server.listen', message: 'port must be 1-65535 (got "0")' }])
  t.same(await issues(t, 'server: { listen: ":abc" }\nsinks: [{type: stdout}]\n'), [{ path: 'server.listen', message: '":abc" has no host: use host:port, e.g. 127.0.0.1:9477 (0.0.0.0 for every interface)' }])
  const v6 = await load(t, 'server: { listen: "[::1]:9477" }\nsinks: [{type: stdout}]\n')
  t.ok(v6.ok)
})

t.test('the server is on by default; server.enabled: false turns it off', async (t) => {
  const on = await load(t, 'sinks: [{type: stdout}]\n')
  t.ok(on.ok)
  if (on.ok) t.equal(on.config.server.enabled, true)
  const off = await load(t, 'server: { enabled: false }\nsinks: [{type: stdout}]\n')
  t.ok(off.ok)
  if (off.ok) t.equal(off.config.server.enabled, false)
})

t.test('the example configurations are valid', async (t) => {
  for (const name of ['auditship.yaml', 'local.yaml', 'elasticsearch.yaml', 'splunk.yaml', 'plugin.yaml']) {
    const r = await loadConfig(join(repoRoot, 'examples', name))
    t.same(r.ok ? [] : r.errors, [], name)
  }
  const local = await loadConfig(join(repoRoot, 'examples', 'local.yaml'))
  if (local.ok) {
    t.equal(local.config.source.path, '/tmp/auditship-demo/audit.log')
    t.equal(local.config.source.read_from, 'beginning')
    t.equal(local.config.state_dir, '/tmp/auditship-demo/state')
    t.same(local.config.sinks.map((s) => s.type), ['stdout'])
  }
})

t.test('examples/auditship.yaml shows every option of the schema, with its default', async (t) => {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'config.schema.json'), 'utf8'))
  const text = readFileSync(join(repoRoot, 'examples', 'auditship.yaml'), 'utf8')
  const example = parseYaml(text)
  const resolve = (s: any): any => s.$ref !== undefined ? schema.definitions[s.$ref.split('/').pop()] : s
  const walk = (s: any, v: any, at: string): void => {
    for (const [k, sub0] of Object.entries<any>(resolve(s).properties ?? {})) {
      const sub = resolve(sub0)
      t.ok(v !== undefined && k in v, `${at}${k} is in the example`)
      if (v === undefined || !(k in v)) continue
      if (sub.default !== undefined && sub.type !== 'object') t.same(v[k], sub.default, `${at}${k} shows its default`)
      if (sub.type === 'object') walk(sub, v[k], `${at}${k}.`)
    }
  }
  const { sinks, ...rest } = schema.properties
  walk({ properties: rest }, example, '')
  t.equal(example.sinks[0].type, 'file')
  t.equal(example.sinks[0].path, '/var/log/auditship/events.ndjson')
  walk(schema.definitions.file_sink, example.sinks[0], 'sinks[0].')
  // the other sink types are shown commented out
  for (const type of schema.properties.sinks.items.properties.type.enum) {
    if (type === 'file') continue
    t.match(text, new RegExp(`^\\s*# - type: ${type}$`, 'm'), `a commented ${type} sink`)
    for (const k of Object.keys(schema.definitions[`${type}_sink`].properties)) {
      if (k !== 'type') t.match(text, new RegExp(`^\\s*#\\s+${k}:`, 'm'), `${type} sink option ${k} is shown`)
    }
  }
})
