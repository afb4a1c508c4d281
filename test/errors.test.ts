import t from 'tap'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { allErrorDefs, AppErrors, AuditshipError, ExitCodes, exitCodeOf, ParseErrors } from '../src/errors.js'
import { repoRoot } from './helpers/pipeline.js'

t.test('every error code is unique, prefixed and documented', async (t) => {
  const defs = allErrorDefs()
  const codes = defs.map((d) => d.code)
  t.equal(new Set(codes).size, codes.length, 'codes are unique')
  for (const d of defs) t.match(d.code, /^AS_[A-Z_]+$/)
  const doc = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8')
  for (const d of defs) t.match(doc, new RegExp(`\\| ${d.code} \\| ${d.kind} \\|`), `${d.code} is in docs/errors.md with its kind`)
})

t.test('AuditshipError carries code, kind and detail', async (t) => {
  const e = new AuditshipError(ParseErrors.TOO_LONG, '70000 bytes')
  t.equal(e.code, 'AS_PARSE_TOO_LONG')
  t.equal(e.kind, 'input')
  t.equal(e.message, 'line longer than the configured maximum: 70000 bytes')
})

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

t.test('no definition that nothing uses (parse and app errors)', async (t) => {
  const src = sources(join(repoRoot, 'src')).filter((p) => !p.endsWith('errors.ts')).map((p) => readFileSync(p, 'utf8')).join('\n')
  for (const [group, defs] of [['ParseErrors', ParseErrors], ['AppErrors', AppErrors]] as const) {
    for (const key of Object.keys(defs)) t.match(src, new RegExp(`\\b${group}\\.${key}\\b`), `${group}.${key} is used in src/`)
  }
})

t.test('exit codes: one table, documented, and no literal exit code in the commands', async (t) => {
  const values = Object.values(ExitCodes)
  t.equal(new Set(values).size, values.length, 'distinct')
  const doc = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8')
  for (const [name, code] of Object.entries(ExitCodes)) t.match(doc, new RegExp(`^\\| ${code} \\| ${name} \\|`, 'm'), `exit ${code} (${name}) is in docs/errors.md`)
  t.equal(exitCodeOf(AppErrors.USAGE), 64)
  t.equal(exitCodeOf(AppErrors.CONFIG_INVALID), 78)
  t.equal(exitCodeOf(AppErrors.INTERNAL), 70)
  for (const p of sources(join(repoRoot, 'src', 'cli'))) {
    const text = readFileSync(p, 'utf8')
    t.notMatch(text, /\breturn (\d+|[^\n]*\? \d+ : \d+)\s*$|process\.exit(Code = |\()\d+|\bEX_[A-Z]+\b/m, `${p.slice(repoRoot.length + 1)} takes its exit codes from ExitCodes`)
  }
})
