/**
 * deploy/elasticsearch and deploy/splunk against schemas/event.schema.json: every field of an
 * event has a mapping of a type that accepts every value the schema allows, no mapping is left
 * over from a field that is gone, and the templates name ILM policies that exist and suit them.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isIP } from 'node:net'
import { repoRoot } from '../helpers/pipeline.js'
import { parseAddr } from '../../src/coalesce/network.js'
import { decodeSaddr } from '../../src/parse/decode.js'

type Json = any

function readJson (rel: string): Json {
  return JSON.parse(readFileSync(join(repoRoot, rel), 'utf8'))
}

const schema = readJson('schemas/event.schema.json')
const templates: Record<string, Json> = {
  'index-template.json': readJson('deploy/elasticsearch/index-template.json'),
  'data-stream-template.json': readJson('deploy/elasticsearch/data-stream-template.json'),
}
const policies: Record<string, Json> = {
  auditship: readJson('deploy/elasticsearch/ilm-policy.json'),
  'auditship-daily': readJson('deploy/elasticsearch/ilm-policy-daily.json'),
}

// ---- the schema, flattened to dotted paths (arrays are transparent, as in Elasticsearch)

interface SchemaField {
  /** JSON types a value may have: string, integer, number, boolean, null, object */
  types: Set<string>
  formats: Set<string>
  patterns: Set<string>
  minimum?: number
  maximum?: number
  /** an object whose keys are not fixed (additionalProperties other than false) */
  openMap: boolean
}

function resolve (node: Json): Json {
  let n = node
  for (let hops = 0; n !== undefined && typeof n.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error('$ref loop')
    const m = /^#\/definitions\/(.+)$/.exec(n.$ref)
    if (m === null) throw new Error(`unsupported $ref ${n.$ref}`)
    n = schema.definitions[m[1]]
    if (n === undefined) throw new Error(`dangling $ref ${String(node.$ref)}`)
  }
  return n
}

function jsonType (v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

function walkSchema (node: Json, path: string, out: Map<string, SchemaField>): void {
  const n = resolve(node)
  if (n === true || n === undefined || (typeof n === 'object' && Object.keys(n).length === 0)) {
    // anything at all: only an open map can hold it
    field(out, path).openMap = true
    return
  }
  for (const alt of [...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])]) walkSchema(alt, path, out)

  const types = new Set<string>()
  if (typeof n.type === 'string') types.add(n.type)
  if (Array.isArray(n.type)) for (const ty of n.type) types.add(ty)
  if ('const' in n) types.add(jsonType(n.const))
  if (Array.isArray(n.enum)) for (const v of n.enum) types.add(jsonType(v))
  if (n.properties !== undefined || n.additionalProperties !== undefined) types.add('object')

  if (types.has('array')) {
    types.delete('array')
    if (n.items !== undefined) {
      const items = Array.isArray(n.items) ? n.items : [n.items]
      for (const it of items) walkSchema(it, path, out)
    } else {
      field(out, path).openMap = true
    }
  }
  if (types.has('object')) {
    const f = field(out, path)
    f.types.add('object')
    const ap = n.additionalProperties
    if (ap !== false || n.properties === undefined) {
      f.openMap = true
      // the values of an open map: recorded at PATH.* so the covering mapping can be checked
      if (ap !== undefined && ap !== true) walkSchema(ap, path === '' ? '*' : `${path}.*`, out)
    }
    for (const [k, v] of Object.entries<Json>(n.properties ?? {})) walkSchema(v, path === '' ? k : `${path}.${k}`, out)
    types.delete('object')
  }
  if (types.size > 0) {
    const f = field(out, path)
    for (const ty of types) f.types.add(ty)
    if (typeof n.format === 'string') f.formats.add(n.format)
    if (typeof n.pattern === 'string') f.patterns.add(n.pattern)
    if (typeof n.minimum === 'number') f.minimum = Math.min(f.minimum ?? n.minimum, n.minimum)
    if (typeof n.maximum === 'number') f.maximum = Math.max(f.maximum ?? n.maximum, n.maximum)
    if (Array.isArray(n.enum) || 'const' in n) {
      for (const v of Array.isArray(n.enum) ? n.enum : [n.const]) {
        if (typeof v === 'number') {
          f.minimum = Math.min(f.minimum ?? v, v)
          f.maximum = Math.max(f.maximum ?? v, v)
        }
      }
    }
  }
}

function field (out: Map<string, SchemaField>, path: string): SchemaField {
  let f = out.get(path)
  if (f === undefined) {
    f = { types: new Set(), formats: new Set(), patterns: new Set(), openMap: false }
    out.set(path, f)
  }
  return f
}

const schemaFields = new Map<string, SchemaField>()
walkSchema(schema, '', schemaFields)
schemaFields.delete('')

// ---- a mapping, flattened the same way

interface MappedField {
  def: Json
  /** flattened, or an object with enabled: false: covers whatever lies beneath */
  covers: boolean
  object: boolean
}

function walkMapping (props: Json, prefix: string, out: Map<string, MappedField>): void {
  for (const [k, def] of Object.entries<Json>(props)) {
    const path = prefix === '' ? k : `${prefix}.${k}`
    const covers = def.type === 'flattened' || def.enabled === false
    const object = !covers && (def.properties !== undefined || def.type === 'object' || def.type === 'nested')
    out.set(path, { def, covers, object })
    if (object && def.properties !== undefined) walkMapping(def.properties, path, out)
  }
}

function coveringAncestor (mapped: Map<string, MappedField>, path: string): MappedField | undefined {
  const parts = path.split('.')
  for (let i = parts.length - 1; i > 0; i--) {
    const m = mapped.get(parts.slice(0, i).join('.'))
    if (m?.covers === true) return m
  }
  return undefined
}

/** Paths that hold an IP address although the schema says only "string", and why it is safe. */
const IP_FIELDS = new Set([
  'source.ip', // parseAddr keeps in ip only what net.isIP accepts (a host name goes to domain); sockEndpoint: inet/inet6 saddr
  'destination.ip', // sockEndpoint: decodeSaddr of an inet/inet6 saddr only
  'related.ip', // coalesce/related.ts: copies of source.ip and destination.ip only
])

const KEYWORDISH = new Set(['keyword', 'constant_keyword', 'wildcard'])
const TEXTISH = new Set(['text', 'match_only_text'])
const INT_RANGE: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  unsigned_long: [0, Number.MAX_SAFE_INTEGER],
}
const DATE_PATTERN = /^\^\\d\{4\}-\\d\{2\}-\\d\{2\}T/

/** Why a mapping of type `type` could refuse a value the schema allows at `path`, or undefined. */
function incompatible (path: string, f: SchemaField, def: Json): string | undefined {
  const type: string = def.type
  const kinds = [...f.types].filter((k) => k !== 'null')
  if (kinds.length === 0) return 'the schema gives the field no type'
  if (KEYWORDISH.has(type)) return undefined // a keyword takes strings, numbers and booleans alike
  if (kinds.length > 1) return `the schema allows ${kinds.join(' or ')}: only keyword takes them all`
  const kind = kinds[0]
  if (type in INT_RANGE) {
    if (kind !== 'integer') return `${kind} in a ${type} field`
    const [lo, hi] = INT_RANGE[type]
    if (f.minimum === undefined || f.minimum < lo) {
      if (type !== 'long') return `no minimum ≥ ${lo} in the schema for a ${type} field`
    }
    if (f.maximum !== undefined && f.maximum > hi) return `maximum ${f.maximum} overflows ${type}`
    if (f.maximum === undefined && type !== 'long') return `no maximum ≤ ${hi} in the schema for a ${type} field`
    return undefined
  }
  if (type === 'double' || type === 'float' || type === 'half_float' || type === 'scaled_float') {
    return kind === 'integer' || kind === 'number' ? undefined : `${kind} in a ${type} field`
  }
  if (type === 'boolean') return kind === 'boolean' ? undefined : `${kind} in a boolean field`
  if (TEXTISH.has(type)) return kind === 'string' ? undefined : `${kind} in a ${type} field`
  if (type === 'date' || type === 'date_nanos') {
    if (kind !== 'string') return `${kind} in a ${type} field`
    if (f.formats.has('date-time') || [...f.patterns].some((p) => DATE_PATTERN.test(p))) return undefined
    return 'a date field for a string the schema does not constrain to a date'
  }
  if (type === 'ip') {
    if (kind !== 'string') return `${kind} in an ip field`
    if (f.formats.has('ipv4') || f.formats.has('ipv6') || IP_FIELDS.has(path)) return undefined
    return 'an ip field for a string the schema does not say is an IP (a host name would be refused)'
  }
  return `unexpected mapping type ${type}`
}

for (const [file, tpl] of Object.entries(templates)) {
  t.test(`${file}: mappings match schemas/event.schema.json`, async (t) => {
    const mappings = tpl.template?.mappings
    t.ok(mappings?.properties, 'template.mappings.properties')
    t.equal(String(mappings.dynamic), 'false', 'dynamic: false — an unknown field is kept in _source, never indexed with a guessed type')

    const mapped = new Map<string, MappedField>()
    walkMapping(mappings.properties, '', mapped)

    for (const [path, f] of schemaFields) {
      if (path.endsWith('.*') || path === '*') {
        // the values of an open map: the map's own mapping must cover them
        const map = mapped.get(path.slice(0, -2))
        if (map?.covers !== true && coveringAncestor(mapped, path) === undefined) t.fail(`${path}: open map values not covered`)
        else if (map?.def.type === 'flattened' && [...f.types].some((k) => k === 'object')) t.fail(`${path}: nested objects in a flattened map`)
        continue
      }
      const m = mapped.get(path)
      const cover = coveringAncestor(mapped, path)
      if (cover !== undefined) {
        t.equal(m, undefined, `${path}: no mapping beneath a flattened/disabled object`)
        continue
      }
      if (m === undefined) { t.fail(`${path}: no mapping (schema types ${[...f.types].join(', ')})`); continue }
      if (f.openMap) {
        const ok = m.covers || (m.object && String(m.def.dynamic ?? 'false') === 'false')
        t.ok(ok, `${path}: open map is flattened, disabled or not dynamic`)
        continue
      }
      if (f.types.has('object')) {
        t.ok(m.object, `${path}: an object in the schema, an object in the mapping`)
        const scalar = [...f.types].filter((k) => k !== 'object' && k !== 'null')
        t.same(scalar, [], `${path}: the schema allows only objects here`)
        continue
      }
      t.notOk(m.object || m.covers, `${path}: a value in the schema, a value in the mapping`)
      const why = incompatible(path, f, m.def)
      t.equal(why, undefined, `${path}: ${String(m.def.type)} accepts every value of the schema`)
    }

    for (const [path, m] of mapped) {
      t.ok(schemaFields.has(path), `${path}: mapped field exists in the event schema`)
      if (m.def.dynamic !== undefined) t.equal(String(m.def.dynamic), 'false', `${path}: not dynamic`)
    }
  })

  t.test(`${file}: no value can be refused for its length`, async (t) => {
    // a keyword term over 32766 bytes makes Elasticsearch refuse the whole document:
    // ignore_above (characters, up to 4 bytes each in UTF-8) keeps long values out of the index
    const mapped = new Map<string, MappedField>()
    walkMapping(tpl.template.mappings.properties, '', mapped)
    for (const [path, m] of mapped) {
      const defs = [m.def, ...Object.values<Json>(m.def.fields ?? {})]
      for (const d of defs) {
        if (d.type === 'keyword' || d.type === 'flattened') {
          t.ok(typeof d.ignore_above === 'number' && d.ignore_above <= 8191, `${path}: ${String(d.type)} has ignore_above ≤ 8191`)
        }
      }
      if (m.def.type === 'ip') {
        // parseAddr keeps what net.isIP accepts, an IPv6 zone id (fe80::1%eth0) included; the
        // ip type may refuse it: ignore_malformed keeps the document and drops that one value
        t.equal(m.def.ignore_malformed, true, `${path}: ip with ignore_malformed`)
      }
    }
  })
}

t.test('the ip-mapped fields only ever hold IP addresses', async (t) => {
  for (const addr of ['host.example.com', 'localhost', '10.0.0.7', '10.0.0.7:3022', '[2001:db8::1]:22', '::1', 'fe80::1%eth0', 'a:b', '1.2.3.4:x', '[nope]:1', 'UNKNOWN']) {
    const ep = parseAddr(addr)
    if (ep?.ip !== undefined) t.not(isIP(ep.ip), 0, `parseAddr(${addr}).ip = ${ep.ip} is an IP`)
    if (ep !== undefined && ep.ip === undefined && ep.domain === undefined) t.fail(`parseAddr(${addr}) lost the value`)
  }
  t.equal(parseAddr('host.example.com')?.ip, undefined, 'a host name is not an ip')
  // inet, inet6, unix, netlink
  for (const hex of ['02000016C0A80001', '0A000016000000002001DB8000000000000000000000000100000000', '01002F746D702F73', '10000000D20400000100000000000000']) {
    const sa = decodeSaddr(hex)
    if (sa?.addr !== undefined) t.not(isIP(sa.addr), 0, `decodeSaddr(${hex}).addr = ${sa.addr} is an IP`)
  }
  t.equal(decodeSaddr('02000016C0A80001')?.addr, '192.168.0.1')
})

t.test('both templates: same mappings, their own index patterns', async (t) => {
  const daily = templates['index-template.json']
  const ds = templates['data-stream-template.json']
  t.same(daily.template.mappings, ds.template.mappings, 'the two templates map events the same way')
  t.same(daily.index_patterns, ['auditship-*'])
  t.equal(daily.data_stream, undefined, 'daily indices are plain indices')
  t.same(ds.index_patterns, ['logs-auditship-*'])
  t.same(ds.data_stream, {}, 'a data stream template')
  t.ok(ds.priority > 100, 'priority above the built-in logs-*-* template (100)')
  t.ok(ds.template.mappings.properties['@timestamp']?.type === 'date', 'a data stream needs @timestamp as date')
  for (const tpl of [daily, ds]) {
    t.notOk('composed_of' in tpl && tpl.composed_of.length > 0, 'self-contained: no component templates to install first')
  }
})

function flatSettings (s: Json, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries<Json>(s ?? {})) {
    const key = prefix === '' ? k : `${prefix}.${k}`
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatSettings(v, key))
    else out[key] = v
  }
  return out
}

function actions (policy: Json): Set<string> {
  const out = new Set<string>()
  for (const phase of Object.values<Json>(policy.policy.phases)) for (const a of Object.keys(phase.actions ?? {})) out.add(a)
  return out
}

t.test('ILM: each template names a policy that exists and suits it', async (t) => {
  const daily = flatSettings(templates['index-template.json'].template.settings)
  const ds = flatSettings(templates['data-stream-template.json'].template.settings)
  t.equal(ds['index.lifecycle.name'], 'auditship')
  t.equal(daily['index.lifecycle.name'], 'auditship-daily')
  for (const name of [ds['index.lifecycle.name'], daily['index.lifecycle.name']]) {
    t.ok(policies[name as string] !== undefined, `policy ${String(name)} is in deploy/elasticsearch`)
  }
  const dsActions = actions(policies.auditship)
  t.ok(dsActions.has('rollover'), 'the data stream rolls over')
  const rollover = policies.auditship.policy.phases.hot.actions.rollover
  t.same(rollover, { max_primary_shard_size: '50gb', max_age: '1d' })
  t.equal(policies.auditship.policy.phases.warm.min_age, '7d')
  t.same(policies.auditship.policy.phases.warm.actions.forcemerge, { max_num_segments: 1 })
  // a daily index has no rollover alias: a rollover action would stop ILM with an error,
  // and forcemerge/readonly/shrink would block writes of late events for that day
  const dailyActions = actions(policies['auditship-daily'])
  for (const a of ['rollover', 'forcemerge', 'readonly', 'shrink', 'downsample']) t.notOk(dailyActions.has(a), `daily policy has no ${a}`)
  t.notOk('index.lifecycle.rollover_alias' in daily, 'no rollover alias for daily indices')
  for (const p of Object.values(policies)) {
    t.equal(p.policy.phases.delete.min_age, '365d', 'kept a year')
    t.ok('delete' in p.policy.phases.delete.actions)
  }
})

// ---- Splunk

function parseConf (rel: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  let cur = new Map<string, string>()
  out.set('default', cur)
  const lines = readFileSync(join(repoRoot, rel), 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]
    const s = line.trim()
    if (s === '' || s.startsWith('#')) continue
    const st = /^\[(.+)\]$/.exec(s)
    if (st !== null) {
      cur = out.get(st[1]) ?? new Map<string, string>()
      out.set(st[1], cur)
      continue
    }
    const eq = s.indexOf('=')
    if (eq < 0) throw new Error(`${rel}:${i + 1}: not key = value: ${s}`)
    cur.set(s.slice(0, eq).trim(), s.slice(eq + 1).trim())
  }
  return out
}

/** A JSON field name as Splunk's KV_MODE = json spells it (auditd.records{}.type) → schema path. */
function splunkPath (name: string): string {
  return name.replace(/\{\}/g, '')
}

t.test('splunk: props.conf and inputs.conf', async (t) => {
  const props = parseConf('deploy/splunk/props.conf')
  const st = props.get('auditship:json')
  if (st === undefined) { t.fail('[auditship:json] stanza'); return }
  t.equal(st.get('KV_MODE'), 'json', 'search-time JSON extraction')
  t.notOk(st.has('INDEXED_EXTRACTIONS'), 'no INDEXED_EXTRACTIONS (fields would be extracted twice)')
  t.ok(st.get('TRUNCATE') === '0' || Number(st.get('TRUNCATE')) >= 1000000, 'TRUNCATE off or large')

  const inputs = parseConf('deploy/splunk/inputs.conf')
  const hec = inputs.get('http://auditship')
  if (hec === undefined) { t.fail('[http://auditship] stanza'); return }
  t.equal(hec.get('sourcetype'), 'auditship:json')
  t.equal(hec.get('useACK'), '1')
})

t.test('splunk: CIM aliases and evals use fields of the event schema', async (t) => {
  const st = parseConf('deploy/splunk/props.conf').get('auditship:json') ?? new Map<string, string>()
  const known = (name: string): boolean => schemaFields.has(splunkPath(name))
  let n = 0
  for (const [k, v] of st) {
    if (k.startsWith('FIELDALIAS-')) {
      const pairs = [...v.matchAll(/("[^"]+"|\S+)\s+AS\s+("[^"]+"|\S+)/gi)]
      t.ok(pairs.length > 0, `${k}: src AS dst`)
      for (const [, src] of pairs) { t.ok(known(src.replace(/"/g, '')), `${k}: ${src} is an event field`); n++ }
    } else if (k.startsWith('EVAL-')) {
      // single quotes name a field in eval; every dotted one must be an event field
      for (const [, name] of v.matchAll(/'([^']+)'/g)) { t.ok(known(name), `${k}: '${name}' is an event field`); n++ }
    }
  }
  t.ok(n > 0, 'props.conf maps event fields to CIM')

  const eventtypes = parseConf('deploy/splunk/eventtypes.conf')
  const tags = parseConf('deploy/splunk/tags.conf')
  for (const [name, et] of eventtypes) {
    if (name === 'default') continue
    const search = et.get('search') ?? ''
    t.match(search, /sourcetype="?auditship:json"?/, `${name}: limited to the sourcetype`)
    for (const [, f] of search.matchAll(/([A-Za-z_@][\w.{}@]*\.[\w.{}]+)\s*(?:=|!=|\s+IN\b)/g)) t.ok(known(f), `${name}: ${f} is an event field`)
    t.ok(tags.has(`eventtype=${name}`), `${name}: tagged in tags.conf`)
  }
})
