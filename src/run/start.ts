/**
 * What `auditship run` checks and takes before it reads a line, so that a daemon that cannot
 * keep its state stops at once with the reason and the fix, instead of shipping, failing and
 * shipping the same events again at every restart:
 *
 *  1. the state dir and the dead-letter file can be created and written (config/preflight.ts;
 *     AS_RUN_PREFLIGHT, exit 73). The audit log not existing yet is no reason to refuse:
 *     auditd may start later (that is readiness).
 *  2. the state dir's lock (state-lock.ts): another running auditship there → AS_RUN_LOCKED
 *     naming its pid (exit 73); a stale lock is taken over and said so. In plugin mode the
 *     holder may be the instance auditd has just closed the feed of, still delivering what it
 *     read: it is waited for (shutdown.timeout_ms and a margin) before refusing, or auditd's
 *     restarts of the plugin would all be refused at once.
 *  3. `--reset-checkpoint`: the checkpoint is moved aside (delivery/checkpoint-reset.ts).
 *  4. the checkpoint loads (schema, consistent fields) and its offset fits its file on disk
 *     (delivery/checkpoint-check.ts); else AS_RUN_CHECKPOINT_INVALID (exit 65) with the reason
 *     and the command that moves it aside.
 *
 * MUST release the lock when it refuses after taking it.
 * MUST NOT throw: a refusal is a value, one problem per line with its fix.
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { AppErrors, type ErrorDef } from '../errors.js'
import type { Config } from '../config/types.js'
import { checkDeadLetter, checkStateDir } from '../config/preflight.js'
import { CheckpointStore, type Checkpoint } from '../delivery/checkpoint-store.js'
import { checkPosition } from '../delivery/checkpoint-check.js'
import { moveAside } from '../delivery/checkpoint-reset.js'
import type { Logger } from '../telemetry/logger.js'
import { acquireStateLock, type LockResult, type StateLock } from './state-lock.js'

export interface StartOptions {
  config: Config
  /** plugin mode: how often to look at a held lock again (default 200 ms), and how long past shutdown.timeout_ms (default 5000 ms) */
  lockPollMs?: number
  lockGraceMs?: number
  /** the configuration file, as given (for the recovery command) */
  configFile: string
  resetCheckpoint: boolean
  log: Logger
}

export interface StartProblem {
  /** the configuration key it is about, when there is one */
  key?: string
  /** the file or directory it is about */
  path: string
  message: string
  fix: string
}

export type StartResult =
  | { ok: true, lock: StateLock, checkpoint: Checkpoint | undefined }
  | { ok: false, error: ErrorDef, problems: StartProblem[] }

function whatReadFromDoes (c: Config): string {
  if (c.source.stdin) return 'the feed goes on with what auditd sends next'
  return c.source.read_from === 'beginning'
    ? 'source.read_from is beginning, so every file of the log on disk is shipped again (duplicates rather than loss)'
    : 'source.read_from is end, so what is on disk now is not shipped'
}

async function loadChecked (o: StartOptions, store: CheckpointStore): Promise<{ ok: true, checkpoint: Checkpoint | undefined } | { ok: false, error: string }> {
  const loaded = await store.load()
  if (!loaded.ok || loaded.checkpoint === undefined || o.config.source.stdin) return loaded
  const wrong = await checkPosition(loaded.checkpoint.position, o.config.source.path)
  return wrong === undefined ? loaded : { ok: false, error: `${store.path}: ${wrong}` }
}

/** The lock; in plugin mode a holder is waited for until it is past its shutdown time. */
async function takeLock (o: StartOptions): Promise<LockResult> {
  const c = o.config
  let r = acquireStateLock(c.state_dir)
  if (r.ok || !r.held || !c.source.stdin) return r
  o.log.warn({ holder: r.holder?.pid }, `waiting for the previous auditship (pid ${r.holder?.pid ?? '?'}) to finish with the state dir`)
  const deadline = Date.now() + c.shutdown.timeout_ms + (o.lockGraceMs ?? 5000)
  while (!r.ok && r.held && Date.now() < deadline) {
    await sleep(o.lockPollMs ?? 200)
    r = acquireStateLock(c.state_dir)
  }
  return r
}

export async function startChecks (o: StartOptions): Promise<StartResult> {
  const c = o.config
  const issues = [...await checkStateDir(c), ...await checkDeadLetter(c)]
  if (issues.length > 0) {
    const dl = c.delivery.dead_letter_path ?? join(c.state_dir, 'dead-letter.ndjson')
    return { ok: false, error: AppErrors.PREFLIGHT, problems: issues.map((i) => ({ key: i.path, path: i.path === 'state_dir' ? c.state_dir : dl, message: i.message, fix: i.fix })) }
  }
  const taken = await takeLock(o)
  if (!taken.ok) return { ok: false, error: taken.held ? AppErrors.LOCKED : AppErrors.PREFLIGHT, problems: [{ key: 'state_dir', path: taken.path, message: taken.message, fix: taken.fix }] }
  const { lock } = taken
  if (taken.tookOver !== undefined) o.log.warn({ lock: lock.path, holder: taken.tookOver.holder?.pid ?? null }, `took over a stale lock: ${taken.tookOver.reason}`)
  const refuse = (error: ErrorDef, p: StartProblem): StartResult => { lock.release(); return { ok: false, error, problems: [p] } }

  const store = new CheckpointStore(c.state_dir)
  if (o.resetCheckpoint) {
    const before = await loadChecked(o, store)
    const moved = await moveAside(store.path)
    if (!moved.ok) return refuse(AppErrors.PREFLIGHT, { key: 'state_dir', path: store.path, message: moved.error, fix: `check the permissions of ${c.state_dir}` })
    if (moved.movedTo === undefined) o.log.info({ checkpoint: store.path }, '--reset-checkpoint: there is no checkpoint; starting without one')
    else o.log.warn({ checkpoint: store.path, moved_to: moved.movedTo, was: before.ok ? 'valid' : before.error }, `--reset-checkpoint: checkpoint moved aside to ${moved.movedTo}; starting without one: ${whatReadFromDoes(c)}`)
  }
  const loaded = await loadChecked(o, store)
  if (!loaded.ok) {
    return refuse(AppErrors.CHECKPOINT_INVALID, {
      key: 'state_dir',
      path: store.path,
      message: `the checkpoint cannot be used: ${loaded.error}`,
      fix: `auditship run --config ${o.configFile} --reset-checkpoint moves it aside (to ${store.path}.bad-<time>) and starts without it (${whatReadFromDoes(c)}), or put back a good copy`,
    })
  }
  return { ok: true, lock, checkpoint: loaded.checkpoint }
}
