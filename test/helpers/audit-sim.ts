/**
 * A seeded simulation of hosts writing audit logs, for the attribution property test: it
 * knows whose each event truly is. Kernel, Teleport and PAM behaviour as in
 * docs/auditd-format.md: per (host, boot) serial counter, pids handed out in order in a
 * small range (so they are reused soon), audit session ids allocated by LOGIN, `teleport
 * exec` children forked by the daemon with clone(CLONE_VFORK) (the child's execve is written
 * before the parent's clone exit, which has the earlier timestamp), orphans re-parented to
 * pid 1, processes killed without an exit record, reboots (DAEMON_END/DAEMON_START, counters
 * restart), failed logins from the daemon, a daemon started with a loginuid (its ses inherited
 * by every session without pam_loginuid), several hosts with skewed clocks interleaving.
 *
 * What the simulation guarantees as evidence (the audit rules of a Teleport node): a boot logs
 * more than 100 records (systemd's units) before the next reboot; every
 * process creation is logged by its parent's clone/clone3 exit, written before any record of
 * the child, except after the child's execve when the parent used vfork/posix_spawn; every
 * execve is logged; an exit may be missing (SIGKILL).
 */
import { Rng, type Proc, type Rec, TP, CT, sysRecs, execveRecs, cloneRecs, exitRecs, openatRecs, connectRecs, userRec, tpMsg, pamMsg, loginRecs, UNSET } from './audit-sim-records.js'

export { Rng } from './audit-sim-records.js'

interface Host {
  name: string | undefined
  skewMs: number
  serial: number
  auditdSerial: number
  boot: number
  pidLo: number
  pidHi: number
  pidNext: number
  sesNext: number
  procs: Map<number, Proc>
  init: Proc
  daemon: Proc
  cron: Proc
}

export interface SimOptions {
  /** stop after about this many events */
  events: number
}

export interface SimResult {
  lines: string[]
  /** event id (node|sec.ms:serial) → the Teleport user whose session caused it, or null */
  truth: Map<string, string | null>
  /** line index where the log starts (read_from: end), 0 if it starts at the beginning */
  start: number
  hosts: number
}

const G_LOGINUID = 'pam_selinux,pam_loginuid,pam_keyinit,pam_permit,pam_unix,pam_systemd,pam_limits,pam_env'
const G_PLAIN = 'pam_keyinit,pam_permit,pam_unix,pam_limits,pam_env'

export class Sim {
  readonly rng: Rng
  readonly lines: string[] = []
  readonly truth = new Map<string, string | null>()
  private t = 1700100000000
  private held: { lines: string[], host: Host, ms: number } | undefined
  private readonly hosts: Host[] = []
  private readonly actors: Array<Iterator<void>> = []
  private nextUser = 1
  private events = 0

  constructor (seed: number) {
    this.rng = new Rng(seed)
    const n = this.rng.chance(0.3) ? 2 : 1
    for (let i = 0; i < n; i++) {
      const name = n === 2 || this.rng.chance(0.3) ? `web-${i + 1}` : undefined
      const skewMs = i === 0 ? 0 : this.rng.pick([0, 3000, -3000, 2500])
      const lo = 2000 + i * 10000
      const h: Host = {
        name, skewMs, serial: this.rng.int(5000, 200000), auditdSerial: this.rng.int(100, 5000), boot: 0,
        pidLo: lo, pidHi: lo + this.rng.int(30, 90), pidNext: lo, sesNext: this.rng.int(1, 40), procs: new Map(),
        init: undefined as unknown as Proc, daemon: undefined as unknown as Proc, cron: undefined as unknown as Proc,
      }
      this.startServices(h)
      this.hosts.push(h)
    }
  }

  run (o: SimOptions): SimResult {
    while (this.events < o.events) {
      this.t += this.rng.chance(0.02) ? this.rng.int(5000, 40000) : this.rng.int(1, 400)
      const r = this.rng.next()
      const h = this.rng.pick(this.hosts)
      if (this.actors.length < 2 || r < 0.06) this.actors.push(this.session(h))
      else if (r < 0.1) this.actors.push(this.unrelated(h))
      else if (r < 0.12) this.actors.push(this.daemonNoise(h))
      else if (r < 0.123) this.reboot(h)
      else {
        const i = this.rng.int(0, this.actors.length - 1)
        if (this.actors[i].next().done === true) this.actors.splice(i, 1)
      }
    }
    this.flushHeld()
    const start = this.rng.chance(0.25) ? this.rng.int(0, Math.floor(this.lines.length / 2)) : 0
    return { lines: this.lines, truth: this.truth, start, hosts: this.hosts.length }
  }

  // ---- the world

  /** pid 1, the Teleport daemon and cron; `logged`: started now (forks and execs written) */
  private startServices (h: Host, logged = false): void {
    h.procs.clear()
    h.init = { pid: 1, ppid: 0, uid: 0, auid: UNSET, ses: UNSET, comm: 'systemd', exe: '/usr/lib/systemd/systemd', argv: ['/sbin/init'], owner: null, alive: true }
    h.procs.set(1, h.init)
    // a daemon started from an admin's login shell keeps its loginuid and ses (doctor warns)
    let parent = h.init
    if (this.rng.chance(0.2)) {
      parent = this.service(h, h.init, { uid: 0, comm: 'bash', exe: '/usr/bin/bash', argv: ['-bash'] }, logged)
      parent.auid = 0
      parent.ses = h.sesNext++
      this.emit(h, loginRecs(parent), null)
    }
    h.daemon = this.service(h, parent, { comm: 'teleport', exe: TP, argv: [TP, 'start', '--config=/etc/teleport.yaml'] }, logged)
    h.cron = this.service(h, h.init, { uid: 0, comm: 'cron', exe: '/usr/sbin/cron', argv: ['/usr/sbin/cron', '-f'] }, logged)
  }

  private service (h: Host, parent: Proc, spec: Partial<Proc>, logged: boolean): Proc {
    return logged ? this.spawn(h, parent, spec, null, 'fork') as Proc : this.newProc(h, parent, spec, null)
  }

  private allocPid (h: Host): number | undefined {
    for (let i = 0; i <= h.pidHi - h.pidLo; i++) {
      const p = h.pidNext
      h.pidNext = p >= h.pidHi ? h.pidLo : p + 1
      if (!h.procs.has(p)) return p
    }
    return undefined
  }

  /** A process without records (services started before the log). */
  private newProc (h: Host, parent: Proc, spec: Partial<Proc>, owner: string | null): Proc {
    const pid = this.allocPid(h) as number
    const p: Proc = { pid, ppid: parent.pid, uid: parent.uid, auid: parent.auid, ses: parent.ses, comm: parent.comm, exe: parent.exe, argv: parent.argv, owner, alive: true, ...spec }
    h.procs.set(pid, p)
    return p
  }

  /**
   * `parent` creates a process (owned by `owner`): fork (its clone exit first), vfork (the
   * child's execve first, then the clone/clone3 exit with the earlier timestamp), or a fork
   * that executes nothing.
   */
  spawn (h: Host, parent: Proc, spec: Partial<Proc>, owner: string | null, mode: 'fork' | 'vfork' | 'noexec'): Proc | undefined {
    const pid = this.allocPid(h)
    if (pid === undefined) return undefined
    const c: Proc = { pid, ppid: parent.pid, uid: parent.uid, auid: parent.auid, ses: parent.ses, comm: parent.comm, exe: parent.exe, argv: parent.argv, owner, alive: true }
    h.procs.set(pid, c)
    const at = this.t
    if (mode === 'vfork') {
      Object.assign(c, spec)
      this.emit(h, execveRecs(c), owner, at + 2)
      this.emit(h, cloneRecs(parent, pid, this.rng.chance(0.5) ? 435 : 56, '4111'), parent.owner, at)
    } else {
      this.emit(h, cloneRecs(parent, pid, 56, '1200011'), parent.owner, at)
      Object.assign(c, spec)
      if (mode === 'fork') this.emit(h, execveRecs(c), owner, at + 1)
    }
    return c
  }

  exit (h: Host, p: Proc, logged: boolean): void {
    if (!p.alive) return
    if (logged) this.emit(h, exitRecs(p), p.owner)
    p.alive = false
    h.procs.delete(p.pid)
    for (const c of h.procs.values()) if (c.ppid === p.pid) c.ppid = 1 // re-parented to init
  }

  private reboot (h: Host): void {
    this.emit(h, [['DAEMON_END', `op=terminate auid=0 pid=1 subj=unconfined res=success`]], null, undefined, true)
    this.t += this.rng.int(20000, 90000)
    h.boot++
    for (const p of h.procs.values()) p.alive = false
    h.serial = this.rng.int(1, 40)
    h.pidNext = h.pidLo
    h.sesNext = 1
    this.emit(h, [['DAEMON_START', `op=start ver=3.0.9 format=enriched kernel=6.1.0-18-amd64 auid=4294967295 pid=${this.rng.int(400, 900)} uid=0 ses=4294967295 subj=unconfined res=success`]], null, undefined, true)
    // systemd starting the units of a boot: a boot logs at least this much
    for (let i = this.rng.int(100, 200); i > 0; i--) {
      this.emit(h, [['SERVICE_START', `pid=1 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='unit=unit${i} comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success'`]], null)
      this.t += this.rng.int(1, 30)
    }
    this.startServices(h, true)
  }

  // ---- writing

  emit (h: Host, recs: Rec[], owner: string | null, atMs?: number, auditd = false): void {
    const ms = (atMs ?? this.t) + h.skewMs
    const serial = auditd ? h.auditdSerial++ : h.serial++
    const ts = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`
    const prefix = h.name === undefined ? '' : `node=${h.name} `
    const lines = recs.map(([type, body]) => `${prefix}type=${type} msg=audit(${ts}:${serial}): ${body}`)
    this.truth.set(`${h.name ?? ''}|${ts}:${serial}`, owner)
    this.events++
    const held = this.held
    this.held = undefined
    if (held !== undefined && Math.abs(held.ms - ms) > 1000) { this.lines.push(...held.lines) }
    if (lines.length > 2 && this.rng.chance(0.1)) {
      // the rest of this event's records come after the next event's (interleaving)
      const k = this.rng.int(1, lines.length - 1)
      this.lines.push(...lines.slice(0, k))
      if (held !== undefined && Math.abs(held.ms - ms) <= 1000) this.lines.push(...held.lines)
      this.held = { lines: lines.slice(k), host: h, ms }
      return
    }
    this.lines.push(...lines)
    if (held !== undefined && Math.abs(held.ms - ms) <= 1000) this.lines.push(...held.lines)
  }

  private flushHeld (): void {
    if (this.held !== undefined) this.lines.push(...this.held.lines)
    this.held = undefined
  }

  // ---- actors: each step writes a few events

  private * session (h: Host): Generator<void> {
    const boot = h.boot
    const user = `user${this.nextUser++}@example.com`
    const uid = this.rng.pick([1000, 1001])
    const acct = uid === 1000 ? 'ubuntu' : 'deploy'
    const pam = this.rng.pick(['none', 'none', 'loginuid', 'loginuid', 'plain'])
    const tty = `/dev/pts/${this.rng.int(0, 9)}`
    const login = { acct, addr: `198.51.100.${this.rng.int(2, 250)}:${this.rng.int(30000, 60000)}`, terminal: this.rng.chance(0.3) ? 'teleport' : tty, user }
    const c = this.spawn(h, h.daemon, { comm: 'teleport', exe: TP, argv: CT }, user, 'vfork')
    if (c === undefined) return
    const alive = (): boolean => h.boot === boot
    yield
    if (!alive()) return
    this.emit(h, userRec('USER_LOGIN', c, tpMsg('login', login)), user)
    if (this.rng.chance(0.08)) {
      // the login does not exist: USER_ERR from the child, no session
      yield
      if (!alive()) return
      this.emit(h, userRec('USER_ERR', c, tpMsg('invalid_user', { ...login, res: 'failed' })), user)
      this.exit(h, c, this.rng.chance(0.8))
      return
    }
    yield
    if (!alive()) return
    if (pam !== 'none') {
      this.emit(h, userRec('USER_ACCT', c, pamMsg('accounting', acct, 'pam_permit')), user)
      this.emit(h, userRec('CRED_ACQ', c, pamMsg('setcred', acct, 'pam_permit')), user)
      if (pam === 'loginuid') {
        const ses = h.sesNext++
        c.auid = uid
        c.ses = ses
        this.emit(h, loginRecs(c), user)
      }
      this.emit(h, userRec('USER_START', c, pamMsg('session_open', acct, pam === 'loginuid' ? G_LOGINUID : G_PLAIN)), user)
      yield
      if (!alive()) return
    }
    const sh = this.spawn(h, c, { uid, comm: 'bash', exe: '/usr/bin/bash', argv: ['-bash'] }, user, 'vfork')
    if (sh === undefined) return
    const n = this.rng.int(1, 6)
    for (let i = 0; i < n; i++) {
      yield
      if (!alive()) return
      const r = this.rng.next()
      if (r < 0.55) {
        const x = this.spawn(h, sh, { comm: 'cmd', exe: '/usr/bin/cmd', argv: ['cmd', String(i)] }, user, this.rng.pick(['fork', 'vfork', 'noexec']))
        if (x === undefined) continue
        yield
        if (!alive()) return
        this.emit(h, this.rng.chance(0.5) ? openatRecs(x) : connectRecs(x), user)
        this.exit(h, x, this.rng.chance(0.8))
      } else if (r < 0.85) {
        const j = this.spawn(h, sh, { comm: 'nohup', exe: '/usr/bin/nohup', argv: ['nohup', './job.sh'] }, user, 'fork')
        if (j === undefined) continue
        Object.assign(j, { comm: 'job.sh', exe: '/usr/bin/bash', argv: ['/bin/bash', './job.sh'] })
        this.emit(h, execveRecs(j), user)
        this.actors.push(this.job(h, j))
      } else {
        this.emit(h, this.rng.chance(0.5) ? openatRecs(sh) : connectRecs(sh), user)
      }
    }
    yield
    if (!alive()) return
    if (this.rng.chance(0.1)) {
      // the child is killed (SIGKILL): no USER_END, no exit records
      this.exit(h, sh, false)
      this.exit(h, c, false)
      return
    }
    this.exit(h, sh, this.rng.chance(0.8))
    yield
    if (!alive()) return
    if (pam !== 'none') {
      this.emit(h, userRec('USER_END', c, pamMsg('session_close', acct, pam === 'loginuid' ? G_LOGINUID : G_PLAIN)), user)
      this.emit(h, userRec('CRED_DISP', c, pamMsg('setcred', acct, 'pam_permit')), user)
    }
    this.emit(h, userRec('USER_END', c, tpMsg('session_close', login)), user)
    yield
    if (!alive()) return
    this.exit(h, c, this.rng.chance(0.8))
  }

  /** A background job left running by a session (re-parented to pid 1 when its shell exits). */
  private * job (h: Host, j: Proc): Generator<void> {
    const boot = h.boot
    const steps = this.rng.int(1, 6)
    for (let i = 0; i < steps; i++) {
      yield
      if (h.boot !== boot || !j.alive) return
      if (this.rng.chance(0.5)) {
        this.emit(h, this.rng.chance(0.5) ? openatRecs(j) : connectRecs(j), j.owner)
      } else {
        const x = this.spawn(h, j, { comm: 'rsync', exe: '/usr/bin/rsync', argv: ['rsync', '-a', String(i)] }, j.owner, this.rng.pick(['fork', 'vfork']))
        if (x === undefined) continue
        this.emit(h, connectRecs(x), j.owner)
        this.exit(h, x, this.rng.chance(0.7))
      }
    }
    yield
    if (h.boot !== boot) return
    this.exit(h, j, this.rng.chance(0.7))
  }

  /** Processes of no Teleport session: services of the same uids, cron jobs with their own ses. */
  private * unrelated (h: Host): Generator<void> {
    const boot = h.boot
    const cron = this.rng.chance(0.4)
    const uid = this.rng.pick([0, 1000, 1001])
    const p = this.spawn(h, cron ? h.cron : h.init, { uid, comm: 'svc', exe: '/usr/bin/svc', argv: ['svc'] }, null, this.rng.pick(['fork', 'vfork']))
    if (p === undefined) return
    if (cron) {
      const ses = h.sesNext++
      p.auid = uid
      p.ses = ses
      this.emit(h, loginRecs(p), null)
      this.emit(h, userRec('USER_START', p, pamMsg('session_open', uid === 0 ? 'root' : 'deploy', G_LOGINUID, '/usr/sbin/cron')), null)
    }
    const steps = this.rng.int(1, 5)
    for (let i = 0; i < steps; i++) {
      yield
      if (h.boot !== boot || !p.alive) return
      if (this.rng.chance(0.5)) this.emit(h, this.rng.chance(0.5) ? openatRecs(p) : connectRecs(p), null)
      else {
        const x = this.spawn(h, p, { comm: 'work', exe: '/usr/bin/work', argv: ['work'] }, null, this.rng.pick(['fork', 'vfork', 'noexec']))
        if (x !== undefined) this.exit(h, x, this.rng.chance(0.7))
      }
    }
    yield
    if (h.boot !== boot) return
    this.exit(h, p, this.rng.chance(0.7))
  }

  /** The Teleport daemon itself: failed logins, its own syscalls, a port-forwarding child. */
  private * daemonNoise (h: Host): Generator<void> {
    const boot = h.boot
    const who = `mallory${this.nextUser++}@example.com`
    const rec = { acct: 'root', addr: `203.0.113.${this.rng.int(2, 250)}:${this.rng.int(30000, 60000)}`, terminal: 'teleport', user: who, res: 'failed' }
    const err = this.rng.chance(0.5)
    this.emit(h, userRec(err ? 'USER_ERR' : 'USER_LOGIN', h.daemon, tpMsg(err ? 'invalid_user' : 'login', rec)), who)
    yield
    if (h.boot !== boot) return
    this.emit(h, this.rng.chance(0.5) ? connectRecs(h.daemon) : sysRecs(h.daemon, 257, 3), null)
    yield
    if (h.boot !== boot) return
    const f = this.spawn(h, h.daemon, { comm: 'teleport', exe: TP, argv: [TP, 'forward'] }, null, 'vfork')
    if (f === undefined) return
    yield
    if (h.boot !== boot) return
    this.emit(h, connectRecs(f), null)
    this.exit(h, f, this.rng.chance(0.7))
  }
}
