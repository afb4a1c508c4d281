/**
 * Whole-document oracle: every go-libaudit aucoalesce golden event
 * (`elastic__go-libaudit/aucoalesce__testdata__*.json.golden`) against the document our CLI
 * (`auditship convert`) builds from the same records (the YAML next to it), field by field.
 *
 * Every leaf of the golden is compared — none is chosen or skipped: the golden's names are
 * mapped to the names Auditbeat gives them in its ECS document, which is what we ship
 * (test/helpers/golden-ecs.ts has the mapping). A leaf that has no counterpart, or whose value
 * differs, is a difference; every difference must be listed with its reason in
 * aucoalesce-intended.json beside this file, and every entry there must still occur (so the
 * table cannot go stale).
 *
 * The agreement — agreeing values / compared values — is printed; intended differences count
 * as disagreeing. It must be at least 95%.
 *
 * Needs: dist/ built; the corpus next to the repository (skipped otherwise).
 */
import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { extractYamlRecords, mapLimit, runConvert, type ShipEvent } from '../helpers/oracle.js'
import { expectations, ourValue, type Leaf } from '../helpers/golden-ecs.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const REPO = resolve(HERE, '../..')
const CORPUS = process.env.ORACLE_CORPUS ?? resolve(REPO, '..', 'shared', 'corpus')
const CLI = process.env.ORACLE_CLI ?? join(REPO, 'dist', 'cli', 'main.js')
const GLA = join(CORPUS, 'elastic__go-libaudit')
const MIN_AGREEMENT = 0.95

interface Difference {
  file: string
  test: string
  golden: string
  ours: string | null
  ref: Leaf | null
  got: Leaf | null
}

/** One row of aucoalesce-intended.json: which differences it explains, and why. */
interface Intended {
  /** golden field; `*` matches any characters (`paths[*].mode`, `data.*`) */
  golden: string
  /** the golden test name; all tests when absent */
  test?: string
  /** the golden value / ours (null = absent); any when absent */
  ref?: Leaf | null
  got?: Leaf | null
  reason: string
}

const INTENDED = JSON.parse(readFileSync(join(HERE, 'aucoalesce-intended.json'), 'utf8')) as Intended[]

function glob (pattern: string): RegExp {
  return new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$')
}
const PATTERNS = INTENDED.map((x) => glob(x.golden))

function explains (i: number, d: Difference): boolean {
  const x = INTENDED[i]
  if (!PATTERNS[i].test(d.golden)) return false
  if (x.test !== undefined && x.test !== d.test) return false
  if (x.ref !== undefined && !isDeepStrictEqual(x.ref, d.ref)) return false
  if (x.got !== undefined && !isDeepStrictEqual(x.got, d.got)) return false
  return true
}

interface GoldenCase { test_name: string, event: Record<string, unknown> }

if (!existsSync(GLA)) {
  t.plan(0, `${GLA} not found: aucoalesce oracle skipped`)
} else {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build first (npm run build)`)
  const tmp = mkdtempSync(join(tmpdir(), 'auditship-aucoalesce-'))
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  const files = readdirSync(GLA).filter((f) => /^aucoalesce__testdata__.*\.json\.golden$/.test(f)).sort()
  const runs = await mapLimit(files, 4, async (f) => {
    const yaml = join(GLA, f.replace(/\.json\.golden$/, '.yaml'))
    const log = join(tmp, f + '.log')
    writeFileSync(log, extractYamlRecords(readFileSync(yaml, 'latin1')).join('\n') + '\n', 'latin1')
    return await runConvert(CLI, log, join(tmp, f + '.errors.ndjson'))
  })

  const diffs: Difference[] = []
  let compared = 0
  let agreeing = 0
  let goldenEvents = 0
  t.test('every golden event has our document', async (t) => {
    files.forEach((f, i) => {
      const run = runs[i]
      t.equal(run.status, 0, `${f}: convert exit status 0`, { stderr: run.stderr })
      t.equal(run.summary.invalid, 0, `${f}: no schema-invalid event`)
      const cases = JSON.parse(readFileSync(join(GLA, f), 'utf8')) as GoldenCase[]
      const used = new Set<ShipEvent>()
      for (const c of cases) {
        goldenEvents++
        const ev = c.event
        // Go writes the time with trailing zeros dropped (…53.08Z)
        const ts = new Date(ev['@timestamp'] as string).toISOString()
        const ours = run.events.find((e) => !used.has(e) && e['@timestamp'] === ts && e.auditd.sequence === ev.sequence)
        if (!t.ok(ours, `${f}: ${c.test_name}: our event`)) continue
        used.add(ours as ShipEvent)
        for (const x of expectations(ev)) {
          compared++
          const got = x.ours === undefined ? undefined : ourValue(ours as unknown as Record<string, unknown>, x.ours)
          if (isDeepStrictEqual(got, x.want)) { agreeing++; continue }
          diffs.push({ file: f, test: c.test_name, golden: x.golden, ours: x.ours ?? null, ref: x.want ?? null, got: got ?? null })
        }
      }
    })
  })

  t.test('every difference is intended, and every intended difference occurs', async (t) => {
    const hits = new Array<number>(INTENDED.length).fill(0)
    for (const d of diffs) {
      const i = INTENDED.findIndex((_, k) => explains(k, d))
      if (i >= 0) hits[i]++
      else t.fail(`unexpected difference: ${d.test}: ${d.golden} → ${d.ours ?? '(no counterpart)'}`, { difference: d })
    }
    INTENDED.forEach((x, i) => t.ok(hits[i] > 0, `intended difference occurs: ${x.golden}${x.test === undefined ? '' : ` (${x.test})`}`, { entry: x }))
    if (process.env.ORACLE_DIFFS !== undefined) writeFileSync(process.env.ORACLE_DIFFS, diffs.map((d) => JSON.stringify(d)).join('\n') + '\n')
  })

  t.test('agreement with go-libaudit aucoalesce', async (t) => {
    const figure = compared === 0 ? 0 : agreeing / compared
    const line = `aucoalesce agreement: ${agreeing} / ${compared} golden values agree = ${(figure * 100).toFixed(1)}% ` +
      `(${goldenEvents} events, ${files.length} golden files; ${compared - agreeing} intended differences)`
    t.comment(line)
    console.log(line)
    t.ok(compared > 1000, `${compared} values compared`)
    t.ok(figure >= MIN_AGREEMENT, `agreement ${(figure * 100).toFixed(1)}% ≥ ${MIN_AGREEMENT * 100}%`)
  })
}
