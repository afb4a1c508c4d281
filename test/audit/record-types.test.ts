import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  KNOWN_RECORD_TYPES,
  type RecordTypeClass,
  endsEvent,
  recordTypeClass,
  recordTypeName,
  recordTypeNumber
} from '../../src/audit/record-types.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const DOC = join(REPO, 'docs/auditd-format.md')

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
t.test('record types match auditd-format.md Appendix A', async (t) => {
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
    rows.push({ name: cells[1], num: Number(cells[2]), cls: cells[3], ends: cells[4] })
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
  const gen = spawnSync(process.execPath, [join(REPO, 'scripts/gen-record-types.mjs'), '--check'], { encoding: 'utf8' })
  t.equal(gen.status, 0, `gen-record-types --check: ${gen.stderr}`)
})
