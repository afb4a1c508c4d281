/**
 * The state of the Teleport join (teleport.ts): identities, session and process bindings,
 * boots, the undo journal; every change of it goes through the methods here, so that the
 * journal sees it; export and import for the checkpoint.
 */
import { BootTracker, type BootState } from './boot.js'
import { Lru, detach, type Identity, type ProcBinding } from './teleport-model.js'
import { ProcessTable } from './teleport-procs.js'
import { Journal, type Undo } from './teleport-journal.js'

export interface TeleportOptions {
  /** log-time seconds that process bindings outlive the session's USER_END */
  graceSecs: number
  maxSessions: number
  maxProcesses: number
  /**
   * Keep an undo journal of at most this many events (that changed the state), so that
   * exportState(seq) can give the state at a checkpoint behind what was read (the daemon).
   * Off (0) by default.
   */
  journal?: number
}

export const DEFAULT_TELEPORT: TeleportOptions = { graceSecs: 10, maxSessions: 2000, maxProcesses: 20000 }

export interface TeleportState {
  boots: BootState
  nextId: number
  identities: Array<[number, Identity]>
  sessions: Array<[string, number]>
  processes: Array<[string, ProcBinding]>
  /** scope|ses seen on Teleport's USER_LOGIN/USER_ERR: the daemon's session ids */
  daemonSessions?: string[]
  /** scope|pid → ses of a PAM session that ran pam_loginuid (for a USER_END without its login) */
  pamSessions?: Array<[string, string]>
}

export abstract class JoinState {
  private readonly boots = new BootTracker()
  protected nextId = 1
  protected readonly identities: Lru<number, Identity>
  /** scope|ses → identity id */
  protected readonly sessions: Lru<string, number>
  /** scope|pid → binding */
  protected readonly procs: ProcessTable
  /** scope|ses of the daemon: never bound */
  protected readonly daemonSes: Lru<string, true>
  /** scope|pid → ses of its PAM session whose stack ran pam_loginuid */
  protected readonly pamSes: Lru<string, string>
  protected readonly journal: Journal | undefined

  constructor (protected readonly opts: TeleportOptions) {
    const j = opts.journal !== undefined && opts.journal > 0 ? new Journal(opts.journal) : undefined
    this.journal = j
    const note = j === undefined ? () => {} : (u: Undo) => j.note(u)
    this.identities = new Lru(opts.maxSessions * 2)
    this.identities.onEvict = (k, v) => note(['i', k, v])
    this.sessions = new Lru(opts.maxSessions)
    this.sessions.onEvict = (k, v) => note(['s', k, v])
    this.procs = new ProcessTable(opts.maxProcesses, (id) => this.identities.get(id), note)
    this.daemonSes = new Lru(opts.maxSessions)
    this.daemonSes.onEvict = (k) => note(['d', k, true])
    this.pamSes = new Lru(opts.maxSessions)
    this.pamSes.onEvict = (k, v) => note(['m', k, v])
  }

  /** Run `f` as the changes of the event whose first record has read-order number `seq`. */
  protected noted (seq: number | undefined, f: () => void): void {
    const j = seq === undefined ? undefined : this.journal
    if (j === undefined) { f(); return }
    j.begin(seq as number)
    try { f() } finally { j.end() }
  }

  /** The key prefix (node, boot) of an event (BootTracker.observe). */
  protected scopeOf (node: string, serial: number, sec: number, kernel: boolean, daemonStart: boolean): string {
    const before = this.journal === undefined ? undefined : this.boots.peek(node)
    const boot = this.boots.observe(node, serial, sec, kernel, daemonStart)
    if (this.journal !== undefined) {
      const after = this.boots.peek(node)
      if (before === undefined || after === undefined || before.boot !== after.boot || before.daemonStarted !== after.daemonStarted || before.replayUntil !== after.replayUntil) {
        this.journal.note(['b', node, before ?? null])
      }
    }
    return `${node}|${boot}|`
  }

  // ---- every change of the state goes through these (noted in the journal)

  protected note (u: Undo): void { this.journal?.note(u) }

  protected addIdentity (ident: Identity): void {
    this.note(['i', ident.id, null])
    this.identities.set(ident.id, ident)
  }

  /** before a change of a field of `ident` */
  protected touch (ident: Identity): void {
    this.note(['i', ident.id, { ...ident }])
  }

  protected bindSession (scope: string, ses: string, ident: Identity, sec: number): void {
    this.touch(ident)
    ident.ses = detach(ses)
    ident.sesSince = sec
    this.setSession(scope + ses, ident.id)
  }

  protected setSession (key: string, id: number | undefined): void {
    const prev = this.sessions.map.get(key)
    if (prev === id) return
    this.note(['s', key, prev ?? null])
    if (id === undefined) this.sessions.delete(key)
    else this.sessions.set(key, id)
  }

  protected setPamSes (key: string, ses: string): void {
    const prev = this.pamSes.map.get(key)
    if (prev === ses) return
    this.note(['m', key, prev ?? null])
    this.pamSes.set(key, detach(ses) as string)
  }

  protected setDaemonSes (key: string): void {
    this.note(['d', key, this.daemonSes.has(key)])
    this.daemonSes.set(key, true)
  }

  /** The identity if its process bindings are still valid at log time `sec`. */
  protected live (id: number, sec: number): Identity | undefined {
    const ident = this.identities.get(id)
    if (ident === undefined) return undefined
    if (ident.endedAt !== undefined && sec > ident.endedAt + this.opts.graceSecs) return undefined
    return ident
  }

  /**
   * The state to save. `from`: the read-order number (seq) of the first record that will be
   * read again after a restart (the checkpoint's position); with the journal on, the state is
   * then the one before the events from there on. Without `from` nothing will be read again:
   * the current state.
   */
  exportState (from?: number): TeleportState {
    const identities = new Map(this.identities.map)
    const sessions = new Map(this.sessions.map)
    const processes = new Map(this.procs.lru.map)
    const daemon = new Map(this.daemonSes.map)
    const pam = new Map(this.pamSes.map)
    const boots = { ...this.boots.exportState() }
    const j = this.journal
    if (j !== undefined && from === undefined) j.clear()
    // undefined when the journal does not reach back to `from`: the current state, which is
    // ahead of the events read again (bindings' `since` keeps them from wrong joins)
    const undo = j === undefined || from === undefined ? undefined : j.undoFrom(from)
    for (const u of undo ?? []) {
      if (u[0] === 'p') { if (u[2] === null) processes.delete(u[1]); else processes.set(u[1], u[2]) }
      else if (u[0] === 's') { if (u[2] === null) sessions.delete(u[1]); else sessions.set(u[1], u[2]) }
      else if (u[0] === 'i') { if (u[2] === null) identities.delete(u[1]); else identities.set(u[1], u[2]) }
      else if (u[0] === 'd') { if (u[2]) daemon.set(u[1], true); else daemon.delete(u[1]) }
      else if (u[0] === 'm') { if (u[2] === null) pam.delete(u[1]); else pam.set(u[1], u[2]) }
      else if (u[2] === null) delete boots[u[1]]
      else boots[u[1]] = u[2]
    }
    return {
      boots,
      nextId: this.nextId,
      identities: [...identities],
      sessions: [...sessions],
      processes: [...processes],
      daemonSessions: [...daemon.keys()],
      pamSessions: [...pam],
    }
  }

  importState (s: TeleportState): void {
    this.boots.importState(s.boots)
    this.nextId = s.nextId
    for (const [k, v] of s.identities) this.identities.set(k, { ...v })
    for (const [k, v] of s.sessions) this.sessions.set(k, v)
    this.procs.load(s.processes)
    for (const k of s.daemonSessions ?? []) this.daemonSes.set(k, true)
    for (const [k, v] of s.pamSessions ?? []) this.pamSes.set(k, v)
  }
}
