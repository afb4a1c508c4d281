import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KNOWN_ARCHES, archInfo, archName, syscallName } from '../../src/audit/arch.js'
import { SYSCALLS } from '../../src/audit/syscalls.generated.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// Same override as the generator, so AUSYSCALL=/nonexistent exercises the skip path.
const hasAusyscall = spawnSync(process.env.AUSYSCALL ?? 'ausyscall', ['x86_64', '--dump']).status === 0
const hasPyAudit = existsSync('/usr/bin/python3') &&
  spawnSync('/usr/bin/python3', ['-c', 'import audit']).status === 0

t.test('syscall names per arch (values checked against ausyscall 3.0.9)', async (t) => {
  const cases: [arch: string, nr: number, name: string][] = [
    ['c000003e', 0, 'read'],
    ['c000003e', 42, 'connect'],
    ['c000003e', 59, 'execve'],
    ['c000003e', 257, 'openat'],
    ['c00000b7', 56, 'openat'],
    ['c00000b7', 64, 'write'],
    ['c00000b7', 203, 'connect'],
    ['c00000b7', 221, 'execve'],
    ['40000003', 11, 'execve'],
    ['40000003', 102, 'socketcall'],
    ['40000003', 295, 'openat'],
    ['40000028', 11, 'execve'],
    ['40000028', 283, 'connect'],
    ['40000028', 322, 'openat'],
    ['c0000015', 11, 'execve'],
    ['c0000015', 286, 'openat'],
    ['c0000015', 328, 'connect'],
    ['80000015', 328, 'connect'],
    ['14', 140, '_llseek'], // ppc, as the kernel prints it (%x, no padding)
    ['80000016', 11, 'execve'],
    ['80000016', 198, 'lchown'], // s390x has no 16-bit-uid lchown at 16 …
    ['80000016', 362, 'connect'],
    ['00000016', 16, 'lchown'], // … but 31-bit s390 does
    ['16', 288, 'openat']
  ]
  for (const [arch, nr, name] of cases) {
    t.equal(syscallName(arch, nr), name, `${arch} ${nr}`)
    t.equal(syscallName(arch, String(nr)), name, `${arch} "${nr}"`)
  }
  t.equal(syscallName('80000016', 16), undefined, 's390x 16 is a gap in the table')
  t.equal(syscallName('C000003E', 59), 'execve', 'upper-case arch')
  t.equal(syscallName('0xc000003e', 59), 'execve', '0x prefix')
})

t.test('syscallName returns undefined rather than guessing', async (t) => {
  t.equal(syscallName('c000003e', 100000), undefined, 'number beyond the table')
  t.equal(syscallName('c000003e', 0x40000000 + 59), undefined, 'x32 syscall numbers are not in the table')
  for (const bad of ['', '-1', '+59', '59 ', ' 59', '5x', '0x3b', '1e2', '1234567']) {
    t.equal(syscallName('c000003e', bad), undefined, `nr ${JSON.stringify(bad)}`)
  }
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.equal(syscallName('c000003e', bad), undefined, `nr ${bad}`)
  }
  t.equal(syscallName('deadbeef', 59), undefined, 'unknown arch')
  t.equal(syscallName('', 59), undefined, 'empty arch')
  t.equal(syscallName('x86_64', 59), undefined, 'interpreted arch names are not arch codes')
  t.equal(syscallName('c00000f3', 221), undefined, 'riscv64 is named but has no table')
  t.equal(syscallName('constructor', 0), undefined, 'no prototype lookups')
})

t.test('archName / archInfo', async (t) => {
  const expected: Record<string, string> = {
    c000003e: 'x86_64',
    40000003: 'i386',
    c00000b7: 'aarch64',
    40000028: 'arm',
    80000015: 'ppc64',
    c0000015: 'ppc64le',
    '00000014': 'ppc',
    80000016: 's390x',
    '00000016': 's390',
    c00000f3: 'riscv64',
    '400000f3': 'riscv32'
  }
  for (const [hex, machine] of Object.entries(expected)) {
    t.equal(archName(hex), machine, hex)
    t.equal(archName(hex.toUpperCase()), machine, `${hex} upper case`)
  }
  t.same(KNOWN_ARCHES.map((a) => a.hex).sort(), Object.keys(expected).sort(), 'no other arches')
  t.equal(archName('14'), 'ppc', 'unpadded, as the kernel writes it')
  t.equal(archName('16'), 's390')
  t.equal(archName('3e'), undefined, 'bare ELF machine without AUDIT_ARCH flags')
  t.equal(archName('x86_64'), undefined)
  t.equal(archName(''), undefined)
  t.same(archInfo('c0000015'), { hex: 'c0000015', machine: 'ppc64le', tableKey: 'ppc64le' })
  t.same(archInfo('c00000f3'), { hex: 'c00000f3', machine: 'riscv64', tableKey: undefined })
  for (const a of KNOWN_ARCHES) {
    if (a.tableKey !== undefined) t.ok(SYSCALLS[a.tableKey], `${a.machine} table exists`)
  }
  t.equal(SYSCALLS.ppc64, SYSCALLS.ppc64le, 'identical tables are shared, not duplicated')
})

t.test('arch mapping agrees with libaudit (python3-audit)', { skip: hasPyAudit ? false : '/usr/bin/python3 with the audit module is not installed' }, async (t) => {
  const hexes = KNOWN_ARCHES.map((a) => a.hex)
  const py = [
    'import audit, json, sys',
    'out = {}',
    'for h in sys.argv[1:]:',
    '    m = audit.audit_elf_to_machine(int(h, 16))',
    '    out[h] = audit.audit_machine_to_name(m) if m >= 0 else None',
    'print(json.dumps(out))'
  ].join('\n')
  const r = spawnSync('/usr/bin/python3', ['-c', py, ...hexes], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
  const libaudit = JSON.parse(r.stdout) as Record<string, string | null>
  for (const a of KNOWN_ARCHES) {
    const name = libaudit[a.hex]
    if (name === null || name === undefined) {
      // Built without riscv support: we still name the arch, but can have no table for it.
      t.equal(a.tableKey, undefined, `${a.hex}: libaudit does not know it, so no table`)
    } else {
      t.equal(a.machine === 'arm' ? 'armeb' : a.machine, name, `${a.hex} → ${name}`)
    }
  }
})

t.test('generated syscall table is up to date and deterministic', { skip: hasAusyscall ? false : 'ausyscall is not installed (package auditd)' }, async (t) => {
  const script = join(REPO, 'scripts/gen-syscalls.mjs')
  const check = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' })
  t.equal(check.status, 0, `--check: ${check.stderr}`)
  const dir = t.testdir()
  const a = join(dir, 'a.ts')
  const b = join(dir, 'b.ts')
  t.equal(spawnSync(process.execPath, [script, '--out', a]).status, 0)
  t.equal(spawnSync(process.execPath, [script, '--out', b]).status, 0)
  t.ok(readFileSync(a).equals(readFileSync(b)), 'two runs give byte-identical output')
  t.match(readFileSync(a, 'utf8'), /^\/\/ Code generated by scripts\/gen-syscalls\.mjs from `ausyscall <arch> --dump` of audit \d/)
})
