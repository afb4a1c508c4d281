/**
 * What Linux says about a process, for telling a live lock holder from a stale lock: is the pid
 * running, when did it start (field 22 of /proc/<pid>/stat, clock ticks since boot: a pid
 * reused by another process has another start time), what is its command line, and which
 * boot is this (/proc/sys/kernel/random/boot_id).
 *
 * MUST NOT throw: what cannot be read is `undefined` (the caller decides on the safe side).
 */
import { readFileSync } from 'node:fs'

export type Liveness = 'running' | 'gone' | 'zombie'

export interface ProcInfo {
  /** start time in clock ticks after boot, as written in /proc (a decimal string) */
  startTicks: string
  /** one-letter state (R, S, D, Z, X …) */
  state: string
}

function read (path: string): string | undefined {
  try { return readFileSync(path, 'latin1') } catch { return undefined }
}

/** Parse /proc/<pid>/stat: the command (field 2) is in parentheses and may hold anything, so fields are counted after the last ')'. */
export function parseStat (text: string): ProcInfo | undefined {
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  const rest = text.slice(close + 1).trim().split(/\s+/)
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19]
  const state = rest[0]
  const startTicks = rest[19]
  if (state === undefined || startTicks === undefined || !/^\d+$/.test(startTicks)) return undefined
  return { state, startTicks }
}

/** /proc/<pid>/stat, or undefined when it cannot be read (no such process, /proc hidden). */
export function procInfo (pid: number): ProcInfo | undefined {
  const text = read(`/proc/${pid}/stat`)
  return text === undefined ? undefined : parseStat(text)
}

/** The arguments of a process (empty for a zombie or a kernel thread); undefined when unreadable. */
export function procCmdline (pid: number): string[] | undefined {
  const text = read(`/proc/${pid}/cmdline`)
  if (text === undefined) return undefined
  return text.split('\0').filter((a) => a.length > 0)
}

/** This boot's id; undefined where the kernel does not expose it. */
export function bootId (): string | undefined {
  return read('/proc/sys/kernel/random/boot_id')?.trim()
}

/** Whether a pid names a process now (signal 0: EPERM means it exists but is another user's). */
export function liveness (pid: number): Liveness {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'gone'
  }
  const info = procInfo(pid)
  return info !== undefined && (info.state === 'Z' || info.state === 'X') ? 'zombie' : 'running'
}
