#!/usr/bin/env node
// Import directions between the folders of src/ (docs: design.md §1, issue #10 §1). Every
// relative import in src/**/*.ts must stay in its own folder or go to a folder that the table
// below lets its folder use; anything else is listed and the exit status is 1.
//
//   node scripts/check-imports.mjs              check src/
//   node scripts/check-imports.mjs --root DIR   check DIR instead (the tests use fixture trees)
//
// Exit status: 0 all imports follow the table, 1 some do not (one line each), 2 usage or a
// table that is not one-way.
//
// Imports are read with TypeScript's own scanner (ts.preProcessFile): static imports and
// re-exports, `import type` included (a type import is a dependency too), and import(); text in
// comments and strings is not mistaken for one.

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT_FILES = '.' // files directly in src/: errors.ts, paths.ts

// What each folder may import besides itself, bottom layer first. A folder may only name
// folders declared before it (lower layers), so the directions cannot form a cycle (checked at
// start), and nothing may import cli/, which is declared last. A folder that does not exist
// (yet) is simply not found in src/.
const ALLOWED = [
  [ROOT_FILES, []],
  ['shapes', [ROOT_FILES]], // declarations generated from schemas/ that any layer may use (SHAPES)
  ['audit', [ROOT_FILES, 'shapes']], // the vocabulary: record types, arch codes, syscall tables
  ['telemetry', [ROOT_FILES, 'shapes']], // logger, metrics
  ['event', [ROOT_FILES, 'shapes', 'audit']], // the shape of the shipped document (generated types)
  ['source', [ROOT_FILES, 'shapes', 'telemetry']], // tailer, lines, rotation, identity, stdin
  ['parse', [ROOT_FILES, 'shapes', 'audit', 'event']],
  ['correlate', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse']],
  ['coalesce', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse', 'correlate']],
  ['enrich', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse', 'correlate', 'coalesce', 'telemetry']],
  ['validate', [ROOT_FILES, 'shapes', 'audit', 'event']],
  ['pipeline', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse', 'correlate', 'coalesce', 'enrich', 'validate', 'source', 'telemetry']],
  ['search', [ROOT_FILES, 'shapes', 'audit', 'event']],
  ['delivery', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse', 'source', 'telemetry']], // ack tracker, checkpoint store, dead letter
  ['ship', [ROOT_FILES, 'shapes', 'audit', 'event', 'delivery', 'telemetry']],
  ['server', [ROOT_FILES, 'shapes', 'delivery', 'ship', 'telemetry']],
  ['config', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse', 'correlate', 'coalesce', 'enrich', 'validate', 'pipeline', 'source', 'telemetry', 'delivery', 'ship', 'server']],
  ['doctor', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse', 'correlate', 'coalesce', 'enrich', 'validate', 'pipeline', 'source', 'telemetry', 'delivery', 'ship', 'server', 'config']],
  ['run', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse', 'correlate', 'coalesce', 'enrich', 'validate', 'pipeline', 'source', 'telemetry', 'delivery', 'ship', 'server', 'config']],
  ['cli', [ROOT_FILES, 'shapes', 'audit', 'event', 'parse', 'correlate', 'coalesce', 'enrich', 'validate', 'pipeline', 'search', 'source', 'telemetry', 'delivery', 'ship', 'server', 'config', 'doctor', 'run']]
]

// Files that only declare the shape of a schema (types, no code): the configuration's types
// live in config/ beside the code that checks them, but a sink factory (ship/) takes its own
// section of the configuration, so they count as the bottom layer, not as config/.
const SHAPES = new Set(['config/types.ts', 'config/types.generated.ts'])

// Why some directions are forbidden, printed with the offending import.
const REASONS = {
  'telemetry→ship': 'telemetry/ must not import ship/: the request-duration histogram belongs to telemetry (prom-client\'s Histogram)',
  'delivery→enrich': 'delivery/ must not import enrich/: the checkpoint store saves the pipeline\'s state as opaque data',
  'delivery→pipeline': 'delivery/ settles and persists positions; it does not know the stages that produce them',
  'ship→config': 'config/ sits above ship/ (design §1): its prepare() builds the sinks, so ship/ importing config/ would close a cycle'
}

function tableErrors () {
  const seen = new Set()
  const errors = []
  for (const [folder, allowed] of ALLOWED) {
    for (const a of allowed) if (!seen.has(a)) errors.push(`${folder}: may import ${a}, which is not declared before it`)
    seen.add(folder)
  }
  return errors
}

const ALLOWED_BY = new Map(ALLOWED.map(([f, a]) => [f, new Set(a)]))

function label (folder) {
  return folder === ROOT_FILES ? 'the root files' : `${folder}/`
}

function rule (from, to) {
  if (to === 'cli') return 'nothing imports cli/'
  const reason = REASONS[`${from}→${to}`]
  if (reason !== undefined) return reason
  const allowed = [...ALLOWED_BY.get(from)].map(label)
  return allowed.length === 0 ? `${label(from)} may import no folder` : `${label(from)} may import only ${allowed.join(', ')}`
}

/** The folder a path under root belongs to, as the table names it. */
function folderOf (relPath) {
  if (SHAPES.has(relPath.split(sep).join('/').replace(/\.js$/, '.ts'))) return 'shapes'
  const parts = relPath.split(sep)
  if (parts.length === 1) return ROOT_FILES
  return parts[0]
}

function sourceFiles (dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (name.endsWith('.ts')) out.push(p)
  }
  return out
}

function lineOf (text, pos) {
  let line = 1
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/** Offending imports under root, as printable lines. */
function check (root) {
  const problems = []
  const undeclared = new Set()
  for (const file of sourceFiles(root)) {
    const rel = relative(root, file)
    const from = folderOf(rel)
    if (!ALLOWED_BY.has(from)) { undeclared.add(from); continue }
    const text = readFileSync(file, 'utf8')
    for (const imp of ts.preProcessFile(text, true, true).importedFiles) {
      const spec = imp.fileName
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue // packages, node:
      const target = relative(root, resolve(dirname(file), spec))
      const where = `${relative(process.cwd(), file)}:${lineOf(text, imp.pos)} → ${spec}`
      if (target.startsWith('..')) { problems.push(`${where}: outside the checked tree (${relative(process.cwd(), root) || '.'})`); continue }
      const to = folderOf(target)
      if (to === from) continue
      if (!ALLOWED_BY.has(to)) { problems.push(`${where}: ${to}/ is not in the table of scripts/check-imports.mjs`); continue }
      if (!ALLOWED_BY.get(from).has(to)) problems.push(`${where}: ${rule(from, to)}`)
    }
  }
  for (const f of undeclared) problems.push(`${relative(process.cwd(), join(root, f))}/: not in the table of scripts/check-imports.mjs; declare what it may import`)
  return problems
}

function main (argv) {
  let root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src')
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root' && argv[i + 1] !== undefined) root = resolve(argv[++i])
    else {
      process.stderr.write('usage: check-imports.mjs [--root DIR]\n')
      return 2
    }
  }
  const bad = tableErrors()
  if (bad.length > 0) {
    for (const e of bad) process.stderr.write(`check-imports: table: ${e}\n`)
    return 2
  }
  const problems = check(root)
  for (const p of problems) process.stdout.write(p + '\n')
  if (problems.length > 0) {
    process.stderr.write(`check-imports: ${problems.length} import(s) against the directions in scripts/check-imports.mjs\n`)
    return 1
  }
  return 0
}

process.exitCode = main(process.argv.slice(2))
