#!/usr/bin/env node
// Generates src/audit/syscalls.generated.ts from `ausyscall <arch> --dump`.
//
//   node scripts/gen-syscalls.mjs            write the file
//   node scripts/gen-syscalls.mjs --check    exit 1 if the file on disk differs from what would be written
//   node scripts/gen-syscalls.mjs --out F    write to F instead (used by the tests)
//   AUSYSCALL=/path/to/ausyscall             use another binary (default: ausyscall on PATH)
//
// The output depends only on ausyscall's output and the audit version string, so the same
// input gives a byte-identical file (no timestamps, fixed arch order, fixed formatting).

import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_OUT = resolve(ROOT, 'src/audit/syscalls.generated.ts')
const AUSYSCALL = process.env.AUSYSCALL || 'ausyscall'

// [our machine name (= table key), argument for ausyscall, names ausyscall may print in its
// "Using X syscall table:" line, optional]. ausyscall does not reject an unknown arch: it
// silently falls back to x86_64, so the printed name is the only way to tell that the arch
// was understood. The arm table is printed as "armeb" (first name in libaudit's machinetab).
// riscv is only present when audit was built WITH_RISCV, hence optional.
const ARCHES = [
  ['x86_64', 'x86_64', ['x86_64'], false],
  ['i386', 'i386', ['i386'], false],
  ['aarch64', 'aarch64', ['aarch64'], false],
  ['arm', 'arm', ['arm', 'armeb'], false],
  ['ppc64le', 'ppc64le', ['ppc64le'], false],
  ['ppc64', 'ppc64', ['ppc64'], false],
  ['ppc', 'ppc', ['ppc'], false],
  ['s390x', 's390x', ['s390x'], false],
  ['s390', 's390', ['s390'], false],
  ['riscv64', 'riscv64', ['riscv64'], true],
  ['riscv32', 'riscv32', ['riscv32'], true]
]

function run (cmd, args) {
  // LC_ALL=C: ausyscall prints nothing locale-dependent today, but make sure of it.
  return execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] })
}

function tryRun (cmd, args) {
  try { return run(cmd, args) } catch { return undefined }
}

// audit 3.0.9's ausyscall has no --version (it treats it as a syscall name), so fall back to
// the package manager. Returns e.g. "3.0.9 (Debian package auditd 1:3.0.9-1)".
function auditVersion () {
  const own = tryRun(AUSYSCALL, ['--version'])
  const m = own && /^ausyscall(?: version)? v?(\d+(?:\.\d+)+)\s*$/m.exec(own)
  if (m) return m[1]
  const deb = tryRun('dpkg-query', ['-W', '-f=${Version}', 'auditd'])
  if (deb) {
    const upstream = deb.replace(/^\d+:/, '').replace(/-[^-]*$/, '')
    return `${upstream} (Debian package auditd ${deb})`
  }
  const rpm = tryRun('rpm', ['-q', '--qf', '%{VERSION}-%{RELEASE}', 'audit'])
  if (rpm) return `${rpm.replace(/-[^-]*$/, '')} (RPM package audit ${rpm})`
  process.stderr.write('gen-syscalls: cannot determine the audit version; writing "unknown"\n')
  return 'unknown'
}

// Parses one dump. Returns undefined when ausyscall used a different table than asked for.
function dump (arg, accepted) {
  const out = run(AUSYSCALL, [arg, '--dump'])
  const lines = out.split('\n')
  const head = /^Using (\S+) syscall table:$/.exec(lines[0] ?? '')
  if (!head) throw new Error(`ausyscall ${arg} --dump: unexpected first line ${JSON.stringify(lines[0])}`)
  if (!accepted.includes(head[1])) return { printed: head[1], pairs: undefined }
  const pairs = []
  for (const line of lines.slice(1)) {
    if (line === '') continue
    const m = /^(\d+)\t([A-Za-z0-9_]+)$/.exec(line)
    if (!m) throw new Error(`ausyscall ${arg} --dump: cannot parse line ${JSON.stringify(line)}`)
    pairs.push([Number(m[1]), m[2]])
  }
  // Sort numerically so the output never depends on ausyscall's ordering.
  pairs.sort((a, b) => a[0] - b[0])
  for (let i = 1; i < pairs.length; i++) {
    if (pairs[i][0] === pairs[i - 1][0]) throw new Error(`ausyscall ${arg}: duplicate number ${pairs[i][0]}`)
  }
  return { printed: head[1], pairs }
}

function generate () {
  const version = auditVersion()
  const tables = [] // { key, pairs, body }
  const aliases = [] // [key, key of identical table]
  const notes = []
  for (const [key, arg, accepted, optional] of ARCHES) {
    const { printed, pairs } = dump(arg, accepted)
    if (!pairs) {
      if (!optional) throw new Error(`ausyscall ${arg} --dump used the ${printed} table`)
      notes.push(`${key}: not known to this ausyscall (it fell back to ${printed}), so no table.`)
      continue
    }
    if (printed !== key) notes.push(`${key}: ausyscall calls this table "${printed}".`)
    const body = pairs.map(([n, s]) => `${n}\t${s}`).join('\n')
    const same = tables.find((t) => t.body === body)
    if (same) {
      aliases.push([key, same.key])
      notes.push(`${key}: same table as ${same.key} in this audit version (shared array).`)
    } else {
      tables.push({ key, pairs, body })
    }
  }

  const ident = (key) => `t_${key.replace(/\W/g, '_')}`
  const out = []
  out.push(
    `// Code generated by scripts/gen-syscalls.mjs from \`ausyscall <arch> --dump\` of audit ${version}. DO NOT EDIT.`,
    '// Regenerate with `npm run gen:syscalls`; `node scripts/gen-syscalls.mjs --check` verifies it is current.',
    '//'
  )
  for (const note of notes) out.push(`// ${note}`)
  out.push(
    '',
    '/** Syscall names indexed by syscall number; undefined where the table has no entry. */',
    'export type SyscallTable = readonly (string | undefined)[]',
    '',
    '/** Version of the audit userspace whose ausyscall produced these tables. */',
    `export const SYSCALLS_AUDIT_VERSION = '${version.replace(/['\\]/g, '\\$&')}'`,
    '',
    '// One "number name" line per entry, so a regeneration shows up as a readable diff. A table is',
    '// parsed into a dense array (a lookup is one index) the first time it is used: most hosts only',
    '// ever see one or two arches, and thousands of array literals would cost megabytes at load.',
    'function table (text: string): () => SyscallTable {',
    '  let parsed: SyscallTable | undefined',
    '  return () => {',
    '    if (parsed !== undefined) return parsed',
    '    const out: Array<string | undefined> = []',
    "    for (const line of text.split('\\n')) {",
    "      const sp = line.indexOf(' ')",
    '      if (sp > 0) out[Number(line.slice(0, sp))] = line.slice(sp + 1)',
    '    }',
    '    for (let i = 0; i < out.length; i++) if (!(i in out)) out[i] = undefined',
    '    parsed = out',
    '    return out',
    '  }',
    '}'
  )
  for (const { key, pairs } of tables) {
    out.push('', `const ${ident(key)} = table(\``)
    for (const [n, s] of pairs) out.push(`${n} ${s}`)
    out.push('`)')
  }
  out.push(
    '',
    '/**',
    ' * Syscall tables keyed by machine name (see arch.ts for the arch= → machine mapping), each',
    ' * parsed on first access. Null prototype, so a lookup with an arbitrary string never finds',
    ' * Object.prototype members.',
    ' */',
    'export const SYSCALLS: Readonly<Record<string, SyscallTable>> = Object.freeze(',
    '  Object.defineProperties(Object.create(null) as Record<string, SyscallTable>, {'
  )
  const entries = [...tables.map((t) => [t.key, t.key]), ...aliases]
  entries.forEach(([key, target], i) => {
    out.push(`    ${key}: { enumerable: true, get: ${ident(target)} }${i < entries.length - 1 ? ',' : ''}`)
  })
  out.push('  })', ')', '')
  return out.join('\n')
}

function main (argv) {
  let check = false
  let outPath = DEFAULT_OUT
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true
    else if (argv[i] === '--out' && argv[i + 1]) outPath = resolve(argv[++i])
    else {
      process.stderr.write(`usage: gen-syscalls.mjs [--check] [--out FILE]\n`)
      return 2
    }
  }
  const text = generate()
  if (check) {
    let current = ''
    try { current = readFileSync(outPath, 'utf8') } catch {}
    if (current !== text) {
      process.stderr.write(`${outPath} is out of date; run: npm run gen:syscalls\n`)
      return 1
    }
    return 0
  }
  writeFileSync(outPath, text)
  return 0
}

try {
  process.exitCode = main(process.argv.slice(2))
} catch (err) {
  // Expected failures (ausyscall missing, unexpected output) need a message, not a stack trace.
  process.stderr.write(`gen-syscalls: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
}
