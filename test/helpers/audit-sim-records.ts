/** Records of the audit simulation (audit-sim.ts): x86_64 syscall events, PAM and Teleport messages. */

export const UNSET = 4294967295
export const TP = '/usr/local/bin/teleport'
export const CT = [TP, 'exec']

export type Rec = [string, string]

export interface Proc {
  pid: number
  ppid: number
  uid: number
  auid: number
  ses: number
  comm: string
  exe: string
  argv: string[]
  /** the Teleport user whose session this process belongs to (the truth), or null */
  owner: string | null
  alive: boolean
}

/** mulberry32: a small deterministic PRNG. */
export class Rng {
  private s: number
  constructor (seed: number) { this.s = seed >>> 0 }
  next (): number {
    this.s = (this.s + 0x6D2B79F5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int (lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)) }
  chance (p: number): boolean { return this.next() < p }
  pick<T> (a: readonly T[]): T { return a[Math.floor(this.next() * a.length)] }
}

function enc (s: string): string {
  const b = Buffer.from(s, 'utf8')
  for (const c of b) if (c <= 0x20 || c > 0x7e || c === 0x22) return b.toString('hex').toUpperCase()
  return `"${s}"`
}

function head (p: Proc, nr: number, result: string, items: number, key: string): string {
  const u = p.uid
  return `arch=c000003e syscall=${nr}${result} a0=3 a1=7ffc30c24a10 a2=0 a3=0 items=${items} ppid=${p.ppid} pid=${p.pid} auid=${p.auid} uid=${u} gid=${u} euid=${u} suid=${u} fsuid=${u} egid=${u} sgid=${u} fsgid=${u} tty=(none) ses=${p.ses} comm=${enc(p.comm.slice(0, 15))} exe=${enc(p.exe)} subj=unconfined key="${key}"`
}

const title = (p: Proc): Rec => ['PROCTITLE', `proctitle=${enc(p.argv.join('\0'))}`]

export function sysRecs (p: Proc, nr: number, exit: number): Rec[] {
  return [['SYSCALL', head(p, nr, ` success=yes exit=${exit}`, 0, 'other')], title(p)]
}

export function execveRecs (p: Proc): Rec[] {
  return [
    ['SYSCALL', head(p, 59, ' success=yes exit=0', 2, 'exec')],
    ['EXECVE', `argc=${p.argv.length} ` + p.argv.map((a, i) => `a${i}=${enc(a)}`).join(' ')],
    ['CWD', 'cwd="/"'],
    ['PATH', `item=0 name=${enc(p.exe)} inode=1207919 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`],
    ['PATH', 'item=1 name="/lib64/ld-linux-x86-64.so.2" inode=420489 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0'],
    title(p),
  ]
}

/** clone (56) with `flags`, or clone3 (435): exit = the child's pid */
export function cloneRecs (p: Proc, child: number, nr: 56 | 435, flags: string): Rec[] {
  const h = head(p, nr, ` success=yes exit=${child}`, 0, 'fork')
  return [['SYSCALL', nr === 56 ? h.replace('a0=3 ', `a0=${flags} `) : h.replace('a0=3 a1=7ffc30c24a10', 'a0=7ffc30c24a10 a1=58')], title(p)]
}

export function exitRecs (p: Proc): Rec[] {
  return [['SYSCALL', head(p, 231, '', 0, 'exit')], title(p)]
}

export function openatRecs (p: Proc): Rec[] {
  return [
    ['SYSCALL', head(p, 257, ' success=yes exit=3', 1, 'access')],
    ['CWD', 'cwd="/"'],
    ['PATH', 'item=0 name="/etc/app.conf" inode=1370745 dev=08:01 mode=0100640 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0'],
    title(p),
  ]
}

export function connectRecs (p: Proc): Rec[] {
  return [['SYSCALL', head(p, 42, ' success=yes exit=0', 0, 'netconn')], ['SOCKADDR', 'saddr=020001BBC000020A0000000000000000'], title(p)]
}

export function userRec (type: string, p: Proc, msg: string): Rec[] {
  return [[type, `pid=${p.pid} uid=${p.uid} auid=${p.auid} ses=${p.ses} subj=unconfined msg='${msg}'`]]
}

export function tpMsg (op: string, o: { acct: string, addr: string, terminal: string, user: string, res?: string }): string {
  return `op=${op} acct="${o.acct}" exe="${TP}" hostname=? addr=${o.addr} terminal=${o.terminal} teleportUser=${o.user} res=${o.res ?? 'success'}`
}

export function pamMsg (op: string, acct: string, grantors: string, exe = TP): string {
  return `op=PAM:${op} grantors=${grantors} acct="${acct}" exe="${exe}" hostname=? addr=? terminal=? res=success`
}

/** pam_loginuid's write: LOGIN + SYSCALL + PROCTITLE (p already has its new auid/ses) */
export function loginRecs (p: Proc): Rec[] {
  return [
    ['LOGIN', `pid=${p.pid} uid=${p.uid} subj=unconfined old-auid=${UNSET} auid=${p.auid} tty=(none) old-ses=${UNSET} ses=${p.ses} res=1`],
    ['SYSCALL', head(p, 1, ` success=yes exit=${String(p.auid).length}`, 0, 'login')],
    title(p),
  ]
}
