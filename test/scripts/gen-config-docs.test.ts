import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../helpers/pipeline.js'

const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'config.schema.json'), 'utf8'))
const doc = readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8')

/** Every option's dotted key (sinks: relative to the sink), $refs followed. */
function keys (node: any, prefix: string, out: string[]): string[] {
  const n = node.$ref !== undefined ? { ...schema.definitions[node.$ref.replace('#/definitions/', '')], ...node } : node
  for (const [k, v] of Object.entries(n.properties ?? {})) {
    out.push(`${prefix}${k}`)
    keys(v, `${prefix}${k}.`, out)
  }
  return out
}

t.test('docs/configuration.md is generated from the schema and up to date', async (t) => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'gen-config-docs.mjs'), '--check'], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
})

t.test('every option of the schema has its row, with its default', async (t) => {
  const top = keys({ properties: Object.fromEntries(Object.entries(schema.properties).filter(([k]) => k !== 'sinks')) }, '', [])
  const sinkKeys = schema.properties.sinks.items.oneOf.flatMap((r: { $ref: string }) => keys(r, '', []))
  for (const k of Object.keys(schema.properties)) t.match(doc, new RegExp(`^## ${k}$`, 'm'), `section ${k}`)
  const sections = new Set(Object.keys(schema.properties).filter((k) => schema.properties[k].properties !== undefined || k === 'sinks'))
  for (const k of [...top.filter((x) => !sections.has(x)), ...sinkKeys]) t.match(doc, new RegExp(`^\\| \`${k.replace(/\./g, '\\.')}\` \\|`, 'm'), k)
  t.match(doc, /^\| `delivery\.max_pending_events` \| integer \| `4000` \|/m)
  t.match(doc, /^\| `server\.listen` \| string \| `"127\.0\.0\.1:9477"` \|/m)
})
