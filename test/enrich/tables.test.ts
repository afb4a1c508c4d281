import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KNOWN_ARCHES, archInfo, archName, syscallName } from '../../src/enrich/tables/arch.js'
import { SYSCALLS } from '../../src/enrich/tables/syscalls.generated.js'
import {
  KNOWN_RECORD_TYPES,
  type RecordTypeClass,
  endsEvent,
  recordTypeClass,
  recordTypeName,
  recordTypeNumber
} from '../../src/enrich/tables/record-types.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// The format fact sheet lives next to the repository, not in it.
const DOC = resolve(REPO, '../shared/docs/auditd-format.md')
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

t.test('record type names and numbers', async (t) => {
  const known: [string, number][] = [
    ['USER', 1005], ['LOGIN', 1006], ['USER_LOGIN', 1112], ['DAEMON_START', 1200],
    ['SYSCALL', 1300], ['PATH', 1302], ['EXECVE', 1309], ['EOE', 1320], ['PROCTITLE', 1327],
    ['REPLACE', 1329], ['AVC', 1400], ['IPE_ACCESS', 1420], ['IPE_CONFIG_CHANGE', 1421],
    ['IPE_POLICY_LOAD', 1422], ['LANDLOCK_DOMAIN', 1424], ['APPARMOR_DENIED', 1503],
    ['ANOM_ABEND', 1701], ['KERNEL', 2000], ['VIRT_MIGRATE_OUT', 2507]
  ]
  for (const [name, num] of known) {
    t.equal(recordTypeNumber(name), num, name)
    t.equal(recordTypeName(num), name, String(num))
  }
  t.equal(recordTypeNumber('UNKNOWN[1420]'), 1420, 'auditd spelling for unnamed types')
  t.equal(recordTypeNumber('UNKNOWN[1329]'), 1329)
  t.equal(recordTypeNumber('1400'), 1400, 'printk form uses the bare number')
  for (const bad of ['', 'syscall', 'NOPE', 'UNKNOWN[]', 'UNKNOWN[12a]', 'UNKNOWN[1420', 'UNKNOWN[-1]', 'UNKNOWN[999999]', '65536', ' 1300']) {
    t.equal(recordTypeNumber(bad), undefined, JSON.stringify(bad))
  }
  t.equal(recordTypeName(1423 + 100), 'UNKNOWN[1523]')
  t.equal(recordTypeName(9999), 'UNKNOWN[9999]')
  t.equal(recordTypeName(999), 'UNKNOWN[999]')
  t.equal(recordTypeName(-1), 'UNKNOWN[-1]')
  const names = new Set(KNOWN_RECORD_TYPES.map(([n]) => n))
  const numbers = new Set(KNOWN_RECORD_TYPES.map(([, n]) => n))
  t.equal(names.size, KNOWN_RECORD_TYPES.length, 'names are unique')
  t.equal(numbers.size, KNOWN_RECORD_TYPES.length, 'numbers are unique')
})

t.test('endsEvent follows audit >= 4.0 audit_is_last_record', async (t) => {
  const cases: [string | number, boolean][] = [
    ['LOGIN', false], ['USER_LOGIN', true], ['SYSCALL', false], ['PROCTITLE', true],
    ['EOE', true], ['AVC', false], ['MAC_UNLBL_ALLOW', true], ['MAC_CALIPSO_DEL', true],
    ['MAC_CONFIG_CHANGE', false], ['ANOM_LOGIN_FAILURES', true], ['KERNEL', true],
    ['DAEMON_START', true], ['USER', true], ['PATH', false], ['ANOM_ABEND', false],
    ['UNKNOWN[1420]', false], [1420, false], [1005, true], [1006, false], [1007, true],
    [1299, true], [1999, false], [2001, false], [2099, false], [2100, true], [2999, true], [999, false]
  ]
  for (const [type, ends] of cases) {
    const num = typeof type === 'number' ? type : recordTypeNumber(type)
    t.ok(num !== undefined, `${type} has a number`)
    t.equal(endsEvent(num ?? -1), ends, `${type}`)
  }
})

t.test('recordTypeClass by range', async (t) => {
  const cases: [number, RecordTypeClass][] = [
    [1005, 'control'], [1112, 'user'], [1200, 'daemon'], [1300, 'kernel'], [1400, 'lsm'],
    [1420, 'lsm'], [1503, 'apparmor'], [1650, 'kernel_crypto'], [1701, 'kernel_anomaly'],
    [1800, 'integrity'], [1900, 'unknown'], [2000, 'kernel_other'], [2001, 'unknown'],
    [2100, 'user_anomaly'], [2200, 'user_response'], [2300, 'user_lspp'], [2404, 'user_crypto'],
    [2599, 'user_virt'], [2600, 'unknown'], [999, 'unknown'], [1300.5, 'unknown']
  ]
  for (const [num, cls] of cases) t.equal(recordTypeClass(num), cls, String(num))
})

// Appendix A of the format fact sheet is the source of the table: every row must round-trip,
// have the class the document gives it, and end an event exactly when the ">= 4.0" column says.
t.test('record types match auditd-format.md Appendix A', { skip: existsSync(DOC) ? false : `${DOC} not present, cannot compare against Appendix A` }, async (t) => {
  const docClass: Record<string, RecordTypeClass> = {
    'control (netlink cmd)': 'control',
    'user (trusted app)': 'user',
    'daemon (auditd)': 'daemon',
    'kernel event': 'kernel',
    'kernel event (obsolete)': 'kernel',
    'kernel LSM/MAC (AVC etc.)': 'lsm',
    AppArmor: 'apparmor',
    'kernel anomaly': 'kernel_anomaly',
    'kernel integrity (IMA)': 'integrity',
    'kernel (legacy)': 'kernel_other',
    'user anomaly': 'user_anomaly',
    'user anomaly response': 'user_response',
    'user LSPP/MAC': 'user_lspp',
    'user crypto': 'user_crypto',
    'user virt/container': 'user_virt'
  }
  const md = readFileSync(DOC, 'utf8')
  const appendix = md.slice(md.indexOf('\n## Appendix A'))
  const rows: { name: string, num: number, cls: string, ends: string }[] = []
  for (const line of appendix.split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    // ['', name, number, class, 'no / yes', 'yes', '']
    if (cells.length < 6 || !/^[A-Z][A-Z0-9_]*$/.test(cells[1] ?? '') || !/^\d+$/.test(cells[2] ?? '')) continue
    rows.push({ name: cells[1]!, num: Number(cells[2]), cls: cells[3]!, ends: cells[4]! })
  }
  t.ok(rows.length >= 200, `parsed ${rows.length} rows`)
  for (const { name, num, cls, ends } of rows) {
    t.equal(recordTypeNumber(name), num, `${name} → ${num}`)
    t.equal(recordTypeName(num), name, `${num} → ${name}`)
    t.equal(recordTypeClass(num), docClass[cls], `${name} class "${cls}"`)
    const v4 = ends.split('/')[0]?.trim()
    t.equal(endsEvent(num), v4 === 'yes', `${name} ends event (>= 4.0): ${v4}`)
  }
  const extras = new Set(['REPLACE', 'IPE_ACCESS', 'IPE_CONFIG_CHANGE', 'IPE_POLICY_LOAD'])
  t.same(
    KNOWN_RECORD_TYPES.map(([n]) => n).filter((n) => !extras.has(n)).sort(),
    rows.map((r) => r.name).sort(),
    'the table holds exactly the appendix rows plus the documented extras'
  )
  const gen = spawnSync(process.execPath, [join(REPO, 'scripts/gen-record-types.mjs'), DOC, '--check'], { encoding: 'utf8' })
  t.equal(gen.status, 0, `gen-record-types --check: ${gen.stderr}`)
})
