// arch= of SYSCALL/SECCOMP records → machine name → syscall table.
//
// The kernel writes arch with "%x": lower-case hex, no 0x, no zero padding, so 32-bit ppc and
// 31-bit s390 appear as "14" and "16", not "00000014"/"00000016". Both spellings are accepted,
// as is upper case, but the fast path is a single Map lookup on the string exactly as logged.

import { SYSCALLS, type SyscallTable } from './syscalls.generated.js'

export interface ArchInfo {
  /** Canonical arch value: 8 lower-case hex digits, e.g. "c000003e". */
  readonly hex: string
  /** Machine name, e.g. "x86_64". */
  readonly machine: string
  /** Key into SYSCALLS, or undefined when we have no table for this machine. */
  readonly tableKey: string | undefined
}

// AUDIT_ARCH_* = ELF machine | 0x80000000 (64-bit) | 0x40000000 (little-endian), checked against
// python3-audit's audit_elf_to_machine / audit_machine_to_name (audit 3.0.9). libaudit calls
// 40000028 "armeb" (first name in its machine table) although it is little-endian ARM; we use
// "arm". Debian's audit 3.0.9 is built without riscv support, so those two have no table.
const ARCHES: readonly (readonly [hex: string, machine: string])[] = [
  ['c000003e', 'x86_64'],
  ['40000003', 'i386'],
  ['c00000b7', 'aarch64'],
  ['40000028', 'arm'],
  ['80000015', 'ppc64'],
  ['c0000015', 'ppc64le'],
  ['00000014', 'ppc'],
  ['80000016', 's390x'],
  ['00000016', 's390'],
  ['c00000f3', 'riscv64'],
  ['400000f3', 'riscv32']
]

/** Every arch we can name, in a fixed order (for tests and documentation). */
export const KNOWN_ARCHES: readonly ArchInfo[] = ARCHES.map(([hex, machine]) => ({
  hex,
  machine,
  tableKey: machine in SYSCALLS ? machine : undefined
}))

// The table itself is fetched on first use (SYSCALLS parses each table lazily).
interface Entry { readonly info: ArchInfo, table: SyscallTable | undefined }

// Keyed by both the padded and the unpadded spelling so either hits on the first get().
const BY_HEX = new Map<string, Entry>()
for (const info of KNOWN_ARCHES) {
  const entry: Entry = { info, table: undefined }
  BY_HEX.set(info.hex, entry)
  BY_HEX.set(stripZeros(info.hex), entry)
}

function stripZeros (s: string): string {
  let i = 0
  while (i < s.length - 1 && s.charCodeAt(i) === 48 /* 0 */) i++
  return i === 0 ? s : s.slice(i)
}

function lookup (hex: string): Entry | undefined {
  const hit = BY_HEX.get(hex)
  if (hit !== undefined || hex.length === 0 || hex.length > 10) return hit
  // Slow path only for unusual spellings: upper case, 0x prefix, other padding.
  let s = hex.toLowerCase()
  if (s.startsWith('0x')) s = s.slice(2)
  return BY_HEX.get(stripZeros(s))
}

/** Machine name for an arch= value ("c000003e" → "x86_64"), undefined when unknown. */
export function archName (hex: string): string | undefined {
  return lookup(hex)?.info.machine
}

/** Machine name, canonical hex and syscall table key for an arch= value. */
export function archInfo (hex: string): ArchInfo | undefined {
  return lookup(hex)?.info
}

/**
 * Syscall name for a syscall= value relative to the record's arch= value, e.g.
 * ("c000003e", 59) → "execve". nr may be the decimal string from the log. Returns undefined for
 * an unknown arch, an arch without a table, a number the table lacks, or a malformed number;
 * the caller decides how to render that (e.g. "unknown-syscall(N)").
 */
export function syscallName (archHex: string, nr: number | string): string | undefined {
  const entry = lookup(archHex)
  if (entry === undefined || entry.info.tableKey === undefined) return undefined
  const table = entry.table ??= SYSCALLS[entry.info.tableKey]
  const n = typeof nr === 'number' ? nr : parseIndex(nr)
  // Negative, fractional or NaN numbers never index a table (table[-1] / table[1.5] would be
  // undefined anyway, but don't rely on property lookup semantics for that).
  if (!Number.isInteger(n) || n < 0 || n >= table.length) return undefined
  return table[n]
}

// Plain decimal digits only: "" / "+1" / "0x3b" / " 59" are not syscall numbers, though
// Number() would accept most of them. Six digits is far beyond any table.
function parseIndex (s: string): number {
  if (s.length === 0 || s.length > 6) return -1
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}
