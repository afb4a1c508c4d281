/**
 * Teleport attribution: every event of a Teleport session carries `teleport.user`
 * (docs/auditd-format.md §7). Attributing an event to the wrong user is the worst outcome, so
 * every rule below joins only on evidence; where the evidence is missing, the event stays
 * unattributed.
 *
 * - A Teleport record (USER_LOGIN op=login, USER_END op=session_close, USER_ERR
 *   op=invalid_user, with `teleportUser=`) is attributed by itself ("record").
 * - A successful USER_LOGIN binds its sender pid (the `teleport exec` child) to the identity.
 *   A failed one (res=failed) and USER_ERR bind nothing: their sender may be the main daemon.
 *   The `ses` on USER_LOGIN/USER_ERR is the daemon's (they are sent before PAM), never a
 *   session's: it is remembered so that it is never bound.
 * - A kernel LOGIN record from a bound pid assigning `ses=N` binds (node, boot, N) — the PAM
 *   case. A LOGIN from any other process allocates N afresh, so an older binding of N is stale.
 * - USER_END ends the login (process bindings live `graceSecs` more); its `ses`, if the login
 *   had none and it is not the daemon's, was set by PAM and is bound. When the login was not
 *   seen (the log begins mid-session), USER_END creates it, already ended: its sender pid is
 *   bound, and its `ses` if a PAM session record of that pid and ses ran pam_loginuid (else the
 *   ses may be the daemon's); earlier events of the session stay unattributed.
 * - Events whose ses is bound are attributed "session" (ses is unique within a boot, so a
 *   process the user left running after logout stays attributed).
 * - Otherwise by process tree ("process"): a process whose parent is bound, or that a bound
 *   process's fork/clone returned, belongs to the same login; bindings end on evidence of a
 *   new process with the pid (teleport-procs.ts), at exit, and `graceSecs` after USER_END.
 * - Never joins on ses=4294967295. Keys are scoped by node and boot (BootTracker).
 * - State is bounded (LRU) and exported with the checkpoint as it was at the checkpoint's
 *   position (teleport-journal.ts), so the events read again after a restart are joined
 *   exactly as the first time. Bindings also carry the log time they were learnt at, so that
 *   a state ahead of the events read (one saved without the journal) never joins an event
 *   with what was learnt after it.
 */
import type { AuditshipEvent, TeleportIdentity } from '../event/types.js'
import { UNSET_ID } from '../audit/ids.js'
import { detach, int, type Identity } from './teleport-model.js'
import { JoinState, DEFAULT_TELEPORT, type TeleportOptions } from './teleport-state.js'

export { DEFAULT_TELEPORT, type TeleportOptions, type TeleportState } from './teleport-state.js'

const T_LOGIN = 'LOGIN'
const TELEPORT_OPS: Record<string, 'login' | 'end' | 'error'> = { login: 'login', session_close: 'end', invalid_user: 'error' }
const FORK_SYSCALLS = new Set(['clone', 'clone3', 'fork', 'vfork'])
const EXIT_SYSCALLS = new Set(['exit', 'exit_group'])
const EXEC_SYSCALLS = new Set(['execve', 'execveat'])

type How = 'record' | 'session' | 'process'

export class TeleportJoin extends JoinState {
  readonly stats = { record: 0, session: 0, process: 0 }

  constructor (opts: TeleportOptions = DEFAULT_TELEPORT) {
    super(opts)
  }

  /**
   * Attribute one event (in place); events must come in read order. `seq`: the read-order
   * number of the event's first record (for the journal, see exportState). `ms`: the event's
   * time in ms since the epoch, when the caller has it (else read from `@timestamp`).
   */
  apply (doc: AuditshipEvent, seq?: number, ms?: number): void {
    this.noted(seq, () => this.join(doc, ms ?? Date.parse(doc['@timestamp'])))
  }

  private join (doc: AuditshipEvent, ms: number): void {
    const recs = doc.auditd.records
    const primary = recs.find((r) => r.type === 'SYSCALL') ?? recs[0]
    const f = primary.fields
    const sec = ms / 1000
    // every record but auditd's own DAEMON_* is stamped by the kernel's serial counter
    const kernel = !primary.type.startsWith('DAEMON_')
    const scope = this.scopeOf(doc.auditd.node ?? '', doc.auditd.sequence, sec, kernel, primary.type === 'DAEMON_START')
    const pid = int(f.pid)
    const ses = f.ses !== undefined && f.ses !== UNSET_ID ? f.ses : undefined

    // 1. Teleport's own records
    const op = f.teleportUser !== undefined && (primary.type === 'USER_LOGIN' || primary.type === 'USER_END' || primary.type === 'USER_ERR')
      ? TELEPORT_OPS[f.op] : undefined
    if (op !== undefined && f.teleportUser !== '') {
      this.attribute(doc, this.teleportRecord(op, f, scope, pid, ses, sec), 'record')
      return
    }

    const ppid = int(f.ppid)
    const sc = doc.auditd.syscall

    // a PAM session record whose stack ran pam_loginuid: the sender's ses is its session's own
    if (ses !== undefined && pid !== undefined && (primary.type === 'USER_START' || primary.type === 'USER_END') &&
      f.grantors !== undefined && f.grantors.includes('pam_loginuid')) this.setPamSes(scope + pid, ses)

    // 2. what this event says about the process that made it (pid reuse, re-parenting)
    if (pid !== undefined) this.procs.check(scope, pid, ppid, ses, sc !== undefined && EXEC_SYSCALLS.has(sc), sec)

    // 3. PAM: the kernel LOGIN record from the bound child assigns the session id
    for (const r of recs) if (r.type === T_LOGIN) this.login(scope, int(r.fields.pid), r.fields.ses, sec)

    // 4. by session, then by process tree
    let ident: Identity | undefined
    let how: How | undefined
    if (ses !== undefined) {
      const id = this.sessions.get(scope + ses)
      ident = id === undefined ? undefined : this.identities.get(id)
      if (ident !== undefined) how = 'session'
    }
    if (ident === undefined && pid !== undefined) {
      const b = this.procs.at(scope + pid, sec)
      let cand = b === undefined ? undefined : this.live(b.identity, sec)
      if (cand === undefined && ppid !== undefined) {
        const pb = this.procs.at(scope + ppid, sec)
        const parent = pb === undefined ? undefined : this.live(pb.identity, sec)
        if (parent !== undefined && (ses === undefined || parent.ses === undefined || parent.ses === ses)) {
          cand = parent
          this.procs.bind(scope + pid, parent.id, ppid, sec)
        }
      }
      if (cand !== undefined) { ident = cand; how = 'process' }
    }

    // 5. a fork/clone exit announces a new process with the returned pid: the caller's, or
    //    nobody's; an exit ends the process
    if (sc !== undefined && pid !== undefined) {
      if (FORK_SYSCALLS.has(sc) && f.success === 'yes') {
        const child = int(f.exit)
        if (child !== undefined && child > 0) {
          if (ident !== undefined) this.procs.bind(scope + child, ident.id, pid, sec)
          else this.procs.forget(scope + child, sec)
        }
      } else if (EXIT_SYSCALLS.has(sc)) {
        this.procs.forget(scope + pid, sec)
      }
    }
    if (ident !== undefined && how !== undefined) this.attribute(doc, ident, how)
  }

  /** USER_LOGIN / USER_END / USER_ERR of Teleport: the identity the record is attributed to. */
  private teleportRecord (op: 'login' | 'end' | 'error', f: Record<string, string>, scope: string, pid: number | undefined, ses: string | undefined, sec: number): Identity {
    const user = f.teleportUser
    const make = (): Identity => ({
      id: this.nextId++, user: detach(user) as string, login: detach(f.acct), addr: detach(f.addr), terminal: detach(f.terminal), pid,
    })
    // USER_LOGIN is sent before PAM runs, the daemon's USER_ERR from the daemon: their ses is
    // inherited from the daemon (set only if the daemon runs with a loginuid) and shared by
    // everything it starts
    if (ses !== undefined && (op === 'login' || (op === 'error' && !this.sessions.has(scope + ses)))) {
      this.setDaemonSes(scope + ses)
      this.setSession(scope + ses, undefined)
    }
    if (op === 'login') {
      const ident = make()
      if (f.res !== 'success') return ident // a failed login opens no session
      this.addIdentity(ident)
      if (pid !== undefined) this.procs.bind(scope + pid, ident.id, undefined, sec)
      return ident
    }
    if (op === 'error') return make()

    // USER_END: the login of its sender pid, or of its ses, if it names the same user
    const b = pid === undefined ? undefined : this.procs.at(scope + pid, sec)
    let ident = b === undefined ? undefined : this.identities.get(b.identity)
    if (ident?.user !== user && ses !== undefined) {
      const id = this.sessions.get(scope + ses)
      ident = id === undefined ? undefined : this.identities.get(id)
    }
    const seen = ident !== undefined && ident.user === user
    if (ident === undefined || !seen) {
      // the login was not seen (the log or the state begins mid-session): the USER_END names it
      ident = make()
      this.addIdentity(ident)
    }
    // the sender is this login's teleport exec child
    if (pid !== undefined && b?.identity !== ident.id) this.procs.bind(scope + pid, ident.id, undefined, sec)
    if (ident.endedAt === undefined) {
      this.touch(ident)
      ident.endedAt = sec
    }
    // its ses is this login's own when it was set after the USER_LOGIN (then: not the daemon's)
    // or, when the login was not seen, when the sender's PAM session stack ran pam_loginuid
    if (ses !== undefined && ident.ses === undefined && !this.daemonSes.has(scope + ses) &&
      (seen || (pid !== undefined && this.pamSes.get(scope + pid) === ses))) this.bindSession(scope, ses, ident, sec)
    return ident
  }

  /** A kernel LOGIN record: process `lpid` got the new session id `newSes`. */
  private login (scope: string, lpid: number | undefined, newSes: string | undefined, sec: number): void {
    if (lpid === undefined || newSes === undefined || newSes === UNSET_ID) return
    const key = scope + newSes
    const b = this.procs.at(scope + lpid, sec)
    const ident = b === undefined ? undefined : this.live(b.identity, sec)
    if (ident !== undefined) {
      this.bindSession(scope, newSes, ident, sec)
      return
    }
    // the kernel allocates a fresh id at every LOGIN: a binding of it learnt before is stale
    // (a reboot that was not recognised)
    const id = this.sessions.get(key)
    const old = id === undefined ? undefined : this.identities.get(id)
    if (old !== undefined && (old.sesSince === undefined || old.sesSince < sec)) this.setSession(key, undefined)
  }

  private attribute (doc: AuditshipEvent, ident: Identity, how: How): void {
    const t: TeleportIdentity = { user: ident.user, attribution: how }
    if (ident.login !== undefined) t.login = ident.login
    if (ident.addr !== undefined && ident.addr !== '?') t.addr = ident.addr
    if (ident.terminal !== undefined) t.terminal = ident.terminal
    if (ident.ses !== undefined) t.session = ident.ses
    if (ident.pid !== undefined) t.pid = ident.pid
    doc.teleport = t
    this.stats[how]++
  }
}
