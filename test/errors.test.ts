import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { allErrorDefs, AuditshipError, ParseErrors } from '../src/errors.js'
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
