// Audit record type numbers ↔ names, the class of a type, and whether a record of that type
// closes an event.
//
// The name written in a log line is authoritative: auditd prints `type=UNKNOWN[1420]` when its
// libaudit lacks a name, and we keep that text as is. The tables (Appendix A's rows, generated
// into record-types.generated.ts, plus the extras below) are only for turning a number into a
// name (printk/journald forms carry numbers) and a name into a number (for endsEvent and
// recordTypeClass).

import { APPENDIX_TYPES } from './record-types.generated.js'

// Defined outside msg_typetab.h, so not in Appendix A. 1420–1422 are upstream's IPE types
// (Linux 6.12); Ubuntu's AppArmor-stacking kernels reused 1420 for a subj_apparmor= context
// record, so a name looked up here for 1420 may be wrong on such hosts — one more reason the
// logged name wins.
const EXTRA_TYPES: readonly (readonly [name: string, number: number])[] = [
  ['REPLACE', 1329], // kernel → auditd liveness ping; logs show it as UNKNOWN[1329]
  ['IPE_ACCESS', 1420],
  ['IPE_CONFIG_CHANGE', 1421],
  ['IPE_POLICY_LOAD', 1422]
]

/** Every named type we know, Appendix A rows first, then the extras. */
export const KNOWN_RECORD_TYPES: readonly (readonly [name: string, number: number])[] = [
  ...APPENDIX_TYPES,
  ...EXTRA_TYPES
]

// Named types are 1000–2999 (netlink message types). Names are held in a dense array indexed by
// number - FIRST, so number → name is one bounds check and one index.
const FIRST = 1000
let last = FIRST
for (const [, num] of KNOWN_RECORD_TYPES) if (num > last) last = num
const NAME_BY_NUMBER = Array.from<string | undefined>({ length: last - FIRST + 1 })
const NUMBER_BY_NAME = new Map<string, number>()
for (const [name, num] of KNOWN_RECORD_TYPES) {
  NAME_BY_NUMBER[num - FIRST] = name
  NUMBER_BY_NAME.set(name, num)
}

/**
 * Type number for a type name as it appears after `type=`: a known name ("SYSCALL" → 1300),
 * auditd's spelling for unnamed types ("UNKNOWN[1420]" → 1420), or the bare number used by the
 * printk form ("1400" → 1400). Undefined for anything else.
 */
export function recordTypeNumber (name: string): number | undefined {
  const n = NUMBER_BY_NAME.get(name)
  if (n !== undefined) return n
  if (name.startsWith('UNKNOWN[') && name.endsWith(']')) return parseTypeNumber(name, 8, name.length - 1)
  return parseTypeNumber(name, 0, name.length)
}

/** Name for a type number, `UNKNOWN[n]` (auditd's spelling) when we have none. */
export function recordTypeName (num: number): string {
  const i = num - FIRST
  return (i >= 0 && i < NAME_BY_NUMBER.length ? NAME_BY_NUMBER[i] : undefined) ?? `UNKNOWN[${num}]`
}

/**
 * Whether a record of this type is the last of its event, i.e. audit ≥ 4.0's
 * `audit_is_last_record` (common/common.c): PROCTITLE, EOE, 1006 < type < 1300, USER, KERNEL,
 * type ≥ 2100, MAC_UNLBL_ALLOW..MAC_CALIPSO_DEL. Audit 3.0.9 used `type < 1300`, which also
 * made LOGIN (1006) end an event and split LOGIN+SYSCALL+EOE in two; we follow 4.0.
 * Numbers without a name follow the same numeric rule.
 */
export function endsEvent (typeNumber: number): boolean {
  return typeNumber === 1327 || // PROCTITLE
    typeNumber === 1320 || // EOE
    (typeNumber > 1006 && typeNumber < 1300) || // user-space trusted apps, auditd's own
    typeNumber === 1005 || // USER
    typeNumber >= 2100 || // user-space anomalies, responses, LSPP, crypto, virt
    typeNumber === 2000 || // KERNEL
    (typeNumber >= 1406 && typeNumber <= 1419) // MAC_UNLBL_ALLOW … MAC_CALIPSO_DEL
}

/**
 * Who produces records of a type, from the number ranges documented in the kernel's
 * include/uapi/linux/audit.h and audit-userspace's lib/audit-records.h.
 */
export type RecordTypeClass =
  | 'control' // 1000–1099 netlink commands; only USER 1005 and LOGIN 1006 reach the log
  | 'user' // 1100–1199 user-space trusted applications (PAM, sshd, sudo, systemd, Teleport…)
  | 'daemon' // 1200–1299 auditd's own records
  | 'kernel' // 1300–1399 kernel event records (SYSCALL, PATH, EOE…)
  | 'lsm' // 1400–1499 SELinux and other LSM / MAC (AVC, Landlock, IPE)
  | 'apparmor' // 1500–1599
  | 'kernel_crypto' // 1600–1699
  | 'kernel_anomaly' // 1700–1799 (ANOM_ABEND…)
  | 'integrity' // 1800–1899 IMA / EVM
  | 'kernel_other' // 2000 KERNEL, unclassified (legacy) kernel messages
  | 'user_anomaly' // 2100–2199
  | 'user_response' // 2200–2299 actions taken in response to anomalies
  | 'user_lspp' // 2300–2399 user-space LSPP / MAC events
  | 'user_crypto' // 2400–2499
  | 'user_virt' // 2500–2599 virtualisation and containers
  | 'unknown' // unassigned ranges (< 1000, 1900–1999, 2001–2099, ≥ 2600)

// One entry per hundred from 1000 to 2599; 2000 itself is special-cased.
const CLASS_BY_HUNDRED: readonly RecordTypeClass[] = [
  'control', 'user', 'daemon', 'kernel', 'lsm', 'apparmor', 'kernel_crypto', 'kernel_anomaly',
  'integrity', 'unknown', 'unknown', 'user_anomaly', 'user_response', 'user_lspp', 'user_crypto',
  'user_virt'
]

/** Class of a type number by range; works for numbers without a name too. */
export function recordTypeClass (typeNumber: number): RecordTypeClass {
  if (typeNumber === 2000) return 'kernel_other'
  if (!Number.isInteger(typeNumber) || typeNumber < FIRST) return 'unknown'
  return CLASS_BY_HUNDRED[Math.floor(typeNumber / 100) - 10] ?? 'unknown'
}

// Decimal digits in s[from, to), at most 5 of them and ≤ 65535 (nlmsg_type is 16 bits).
function parseTypeNumber (s: string, from: number, to: number): number | undefined {
  if (to <= from || to - from > 5) return undefined
  let n = 0
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return undefined
    n = n * 10 + d
  }
  return n <= 65535 ? n : undefined
}

/** The record type numbers the code branches on, by name (one place instead of literals). */
export const T = Object.freeze({
  LOGIN: 1006,
  USER_END: 1106,
  USER_AVC: 1107,
  USER_ERR: 1109,
  USER_LOGIN: 1112,
  SYSCALL: 1300,
  PATH: 1302,
  CONFIG_CHANGE: 1305,
  SOCKADDR: 1306,
  CWD: 1307,
  EXECVE: 1309,
  EOE: 1320,
  PROCTITLE: 1327,
  FEATURE_CHANGE: 1328,
  TIME_INJOFFSET: 1332,
  TIME_ADJNTPVAL: 1333,
  AVC: 1400,
} as const)
