#!/usr/bin/env node
// Regenerates the data block of src/enrich/tables/record-types.ts from the Appendix A table
// ("record types") of the auditd format fact sheet.
//
//   node scripts/gen-record-types.mjs ../shared/docs/auditd-format.md           rewrite the block
//   node scripts/gen-record-types.mjs ../shared/docs/auditd-format.md --check   exit 1 if stale
//
// Only the lines between the BEGIN/END GENERATED markers are replaced; the lookup functions
// around them are hand-written. The header names the source by file name only, so the output
// does not depend on where the document lives.

import { readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const TARGET = resolve(ROOT, 'src/enrich/tables/record-types.ts')
const BEGIN = '// BEGIN GENERATED'
const END = '// END GENERATED'

// Rows look like: | NAME | 1300 | class | no / no | yes |
function parseAppendix (markdown) {
  const start = markdown.indexOf('\n## Appendix A')
  if (start < 0) throw new Error('no "## Appendix A" heading')
  const rest = markdown.slice(start + 1)
  const next = rest.indexOf('\n## ', 1)
  const section = next < 0 ? rest : rest.slice(0, next)
  const rows = []
  for (const line of section.split('\n')) {
    const m = /^\|\s*([A-Z][A-Z0-9_]*)\s*\|\s*(\d+)\s*\|/.exec(line)
    if (m) rows.push([m[1], Number(m[2])])
  }
  if (rows.length === 0) throw new Error('Appendix A has no table rows')
  const names = new Set()
  const numbers = new Set()
  for (const [name, num] of rows) {
    if (names.has(name) || numbers.has(num)) throw new Error(`duplicate row ${name} ${num}`)
    names.add(name)
    numbers.add(num)
  }
  return rows.sort((a, b) => a[1] - b[1])
}

function block (rows, source) {
  const out = [
    `${BEGIN} by scripts/gen-record-types.mjs from ${source} Appendix A (${rows.length} rows). Do not edit by hand.`,
    'const APPENDIX_TYPES: readonly (readonly [name: string, number: number])[] = ['
  ]
  rows.forEach(([name, num], i) => out.push(`  ['${name}', ${num}]${i < rows.length - 1 ? ',' : ''}`))
  out.push(']', END)
  return out.join('\n')
}

function main (argv) {
  const check = argv.includes('--check')
  const docs = argv.filter((a) => a !== '--check')
  if (docs.length !== 1) {
    process.stderr.write('usage: gen-record-types.mjs PATH/TO/auditd-format.md [--check]\n')
    return 2
  }
  const rows = parseAppendix(readFileSync(docs[0], 'utf8'))
  const current = readFileSync(TARGET, 'utf8')
  const b = current.indexOf(BEGIN)
  const e = current.indexOf(END, b)
  if (b < 0 || e < 0) throw new Error(`${TARGET}: generated-block markers not found`)
  const next = current.slice(0, b) + block(rows, basename(docs[0])) + current.slice(e + END.length)
  if (check) {
    if (next !== current) {
      process.stderr.write(`${TARGET} is out of date; run: node scripts/gen-record-types.mjs ${docs[0]}\n`)
      return 1
    }
    return 0
  }
  if (next !== current) writeFileSync(TARGET, next)
  return 0
}

try {
  process.exitCode = main(process.argv.slice(2))
} catch (err) {
  // Expected failures (document missing, no Appendix A table) need a message, not a stack trace.
  process.stderr.write(`gen-record-types: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
}
