/**
 * Audit log lines of an execve with huge arguments, split into EXECVE records as the kernel
 * does (torvalds/linux kernel/auditsc.c `audit_log_execve_info`; docs/auditd-format.md §1.4):
 * at most 7500 bytes of arguments per record; an argument that needs encoding (a space, a
 * quote, a control or non-ASCII byte) is hex, else quoted; one that does not fit is written
 * ` aN_len=L aN[0]=… aN[1]=…` in chunks, continued in the next records.
 */

const MAX_EXECVE_AUDIT_LEN = 7500
/** the kernel's `abuf` (96) plus its slack: a record with less room left is ended */
const MIN_ROOM = 96 + 8

function needsHex (b: Buffer): boolean {
  for (const c of b) if (c === 0x22 || c < 0x21 || c > 0x7e) return true
  return false
}

/** The EXECVE record bodies for `args` (`argc=N a0=…`, then chunks). */
export function execveBodies (args: readonly Buffer[]): string[] {
  const out: string[] = []
  let rec = `argc=${args.length}`
  let rem = MAX_EXECVE_AUDIT_LEN
  const flush = (): void => { out.push(rec.trimStart()); rec = ''; rem = MAX_EXECVE_AUDIT_LEN }
  args.forEach((arg, i) => {
    const hex = needsHex(arg)
    const whole = hex ? arg.length * 2 : arg.length + 2
    if (whole + MIN_ROOM <= rem) {
      const v = ` a${i}=` + (hex ? arg.toString('hex').toUpperCase() : `"${arg.toString('latin1')}"`)
      rec += v
      rem -= v.length
      return
    }
    for (let pos = 0, k = 0; pos < arg.length; k++) {
      if (MIN_ROOM > rem) flush()
      const prefix = (k === 0 ? ` a${i}_len=${arg.length}` : '') + ` a${i}[${k}]=`
      rem -= prefix.length
      const room = hex ? Math.floor(rem / 2) : rem - 2
      const piece = arg.subarray(pos, pos + room)
      const v = hex ? piece.toString('hex').toUpperCase() : `"${piece.toString('latin1')}"`
      rec += prefix + v
      rem -= v.length
      pos += piece.length
    }
  })
  if (rec.length > 0) flush()
  return out
}

/** 40 arguments of 128 KiB by default, each recognisable: `aI aI aI …` (hex: it has spaces). */
export function giantArgs (count = 40, bytes = 128 * 1024): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc(bytes, `a${i} `))
}

/** The whole event: SYSCALL, the EXECVE records, CWD, PATH, PROCTITLE, EOE; one line each. */
export function giantExecveLines (serial: number, sec = 1700000000, args = giantArgs(), node?: string): string {
  const h = (type: string): string => `${node === undefined ? '' : `node=${node} `}type=${type} msg=audit(${sec}.000:${serial}):`
  const lines = [
    `${h('SYSCALL')} arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=100 pid=4242 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="giant" exe="/usr/bin/giant" key=(null)`,
    ...execveBodies(args).map((b) => `${h('EXECVE')} ${b}`),
    `${h('CWD')} cwd="/tmp"`,
    `${h('PATH')} item=0 name="/usr/bin/giant" inode=1 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL`,
    `${h('PATH')} item=1 name="/lib64/ld-linux-x86-64.so.2" inode=2 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL`,
    `${h('PROCTITLE')} proctitle=${Buffer.from('giant\0a0').toString('hex').toUpperCase()}`,
    `${h('EOE')}`,
  ]
  return lines.join('\n') + '\n'
}
