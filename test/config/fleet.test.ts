/** config/fleet.ts: static fields against the event schema, filter and label rules, refused with the exact path. */
import t from 'tap'
import { checkConfig } from '../../src/config/validate.js'
import { staticFields } from '../../src/config/fleet.js'
import type { ConfigIssue } from '../../src/config/types.js'

function issues (extra: Record<string, unknown>): ConfigIssue[] {
  const r = checkConfig({ sinks: [{ type: 'stdout' }], ...extra })
  return r.ok ? [] : r.errors
}

t.test('static fields: labels.<name> and service.name/environment are allowed, flat or nested', async (t) => {
  const r = checkConfig({ sinks: [{ type: 'stdout' }], enrich: { fields: { 'labels.cluster': 'prod', labels: { region: 'eu-1' }, service: { environment: 'production' } } } })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  t.same(staticFields(r.config), [[['labels', 'cluster'], 'prod'], [['labels', 'region'], 'eu-1'], [['service', 'environment'], 'production']])
})

t.test('static fields elsewhere are refused with the path and the reason', async (t) => {
  t.same(issues({ enrich: { fields: { 'event.action': 'x' } } }), [{ path: 'enrich.fields["event.action"]', message: 'is filled by auditship itself; static fields go under labels.<name>, service.name or service.environment' }])
  t.same(issues({ enrich: { fields: { 'cloud.region': 'x' } } }), [{ path: 'enrich.fields["cloud.region"]', message: 'is not a field of the event schema (schemas/event.schema.json); static fields go under labels.<name>, service.name or service.environment' }])
  t.same(issues({ enrich: { fields: { 'service.type': 'x' } } }), [{ path: 'enrich.fields["service.type"]', message: 'is set by auditship itself (always "auditd")' }])
  t.same(issues({ enrich: { fields: { 'service.owner': 'x' } } }), [{ path: 'enrich.fields["service.owner"]', message: 'is not a field of the event schema (schemas/event.schema.json) under service' }])
  t.same(issues({ enrich: { fields: { labels: { 'a.b': 'x' } } } }), [{ path: 'enrich.fields["labels.a.b"]', message: 'must be labels.<name>, the name of letters, digits, _ and - (at most 64)' }])
  t.same(issues({ enrich: { fields: { 'labels.n': 3 } } }), [{ path: 'enrich.fields["labels.n"]', message: 'must be a string (got 3)' }])
  t.same(issues({ enrich: { fields: { labels: 'prod' } } }), [{ path: 'enrich.fields["labels"]', message: 'is not a single value (object) in the event schema' }])
})

t.test('filter and label rules: a matcher each, unique names, known record types', async (t) => {
  const ok = checkConfig({ sinks: [{ type: 'stdout' }], filter: [{ name: 'cron', executable: ['/usr/sbin/cron'], uid: [0, 'unset'] }], label: [{ name: 'x', record_type: ['UNKNOWN[1337]'], tags: ['t'] }] })
  t.ok(ok.ok, JSON.stringify(ok.ok ? '' : ok.errors))
  t.same(issues({ filter: [{ name: 'all' }] }), [{ path: 'filter[0]', message: 'has no matcher (record_type, key, executable, uid, auid or success): it would drop every event' }])
  t.same(issues({ filter: [{ name: 'a', success: false }], label: [{ name: 'a', success: true, tags: ['t'] }] }), [{ path: 'label[0].name', message: '"a" is already the name of filter[0]' }])
  t.same(issues({ filter: [{ name: 'a', record_type: ['SYSCAL'] }] }), [{ path: 'filter[0].record_type[0]', message: '"SYSCAL" is not a record type (a name such as SYSCALL, or UNKNOWN[<number>])' }])
  t.match(issues({ filter: [{ name: 'a', executable: ['cron'] }] }), [{ path: 'filter[0].executable[0]' }], 'relative executable: refused by the schema')
  t.match(issues({ label: [{ name: 'a', success: true }] }), [{ path: 'label[0]' }], 'a label rule without tags')
  t.match(issues({ filter: [{ name: 'a', uid: ['root'] }] }), [{ path: 'filter[0].uid[0]' }], 'ids are numbers or unset')
})

t.test('host.name: a name or null', async (t) => {
  t.match(issues({ host: { name: '' } }), [{ path: 'host.name' }])
  const r = checkConfig({ sinks: [{ type: 'stdout' }], host: { name: 'edge-1' } })
  t.equal(r.ok && r.config.host.name, 'edge-1')
})
