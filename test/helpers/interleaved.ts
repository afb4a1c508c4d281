/**
 * Audit events whose records interleave, as the kernel writes them when syscalls on several
 * CPUs end at once: at step k the SYSCALL of k, the PATH of k−1, the PROCTITLE of k−2, so every
 * event is open while the next two begin and, wherever a checkpoint falls, a delivered event has
 * records after it.
 */
export const INTERLEAVED_NODE = 'e2e'

/** The records of events from..from+count−1, each event whole within the text. */
export function interleaved (from: number, count: number, node = INTERLEAVED_NODE): string {
  let s = ''
  for (let k = from; k < from + count + 2; k++) {
    if (k < from + count) s += `${head(node, 'SYSCALL', k)} arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55 a2=0 a3=0 items=1 ppid=1 pid=${2000 + (k % 30000)} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="cat" exe="/usr/bin/cat" key=(null)\n`
    if (k - 1 >= from && k - 1 < from + count) s += `${head(node, 'PATH', k - 1)} item=0 name="/etc/f${k - 1}" inode=${k} dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0\n`
    if (k - 2 >= from) s += `${head(node, 'PROCTITLE', k - 2)} proctitle=636174002F6574632F66\n`
  }
  return s
}

/** The record types of every event interleaved() writes, in order. */
export const INTERLEAVED_TYPES = 'SYSCALL,PATH,PROCTITLE'

/** The key (node|@timestamp|serial) of event n as shipped. */
export function interleavedKey (n: number, node = INTERLEAVED_NODE): string {
  return `${node}|${new Date((1700000000 + Math.floor(n / 1000)) * 1000 + (n % 1000)).toISOString()}|${n}`
}

function head (node: string, type: string, n: number): string {
  return `node=${node} type=${type} msg=audit(${1700000000 + Math.floor(n / 1000)}.${String(n % 1000).padStart(3, '0')}:${n}):`
}
