/**
 * disk: the state dir full (a small tmpfs filled up), then read-only (remounted), while
 * delivery goes on; the file sink's output renamed and SIGHUP sent (reopen); then a SIGKILL
 * and a restart. Targets: a clear error while the checkpoint cannot be saved, delivery going
 * on; the output reopened; no corrupt checkpoint; the restart resumes with 0 lost.
 * Mounting needs root: without it the state dir is made read-only with chmod and the full
 * disk is not tried (the figure line says so).
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { config, Daemon, Sinks, stopClean, tally, waitFor, wantKeys, Workspace, Writer, type Figures, type Scale } from '../harness.js'

function sh (cmd: string, ...args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0
}

/** Fill the filesystem of `dir` (the file is removed by the caller). */
function fill (path: string): void {
  const block = Buffer.alloc(4096, 1)
  try { for (;;) writeFileSync(path, block, { flag: 'a' }) } catch {}
}

function checkpointValid (path: string): boolean {
  if (!existsSync(path)) return true
  try { const c = JSON.parse(readFileSync(path, 'utf8')) as { position?: unknown }; return typeof c === 'object' && c !== null && 'position' in c } catch { return false }
}

export async function disk (scale: Scale): Promise<Figures> {
  const t0 = Date.now()
  const ws = new Workspace('disk')
  const sinks = new Sinks({ es: {}, file: true }, ws)
  await sinks.start()
  const cfg = config(ws, sinks, 'checkpoint: { interval_ms: 200 }\n')
  mkdirSync(ws.state, { mode: 0o750 })
  const mounted = sh('mount', '-t', 'tmpfs', '-o', 'size=512k,mode=0750', 'tmpfs', ws.state)
  const failures: string[] = []
  const writer = new Writer(ws.log)
  writer.start(scale.quick ? 2000 : 5000)
  const d = new Daemon(cfg)
  const corrupt: string[] = []
  const cp = join(ws.state, 'checkpoint.json')
  let fullTried = 'no (needs root)'
  // root ignores file modes: without a mount, a read-only state dir cannot be made
  const readOnly = mounted ? 'remount' : process.getuid?.() !== 0 ? 'chmod' : 'skipped (root without mount)'
  try {
    await sleep(2000)
    if (mounted) {
      const filler = join(ws.state, 'filler')
      fill(filler)
      fullTried = 'yes'
      await sleep(scale.quick ? 3000 : 10_000)
      if (!checkpointValid(cp)) corrupt.push('while full')
      unlinkSync(filler)
      await sleep(1000)
      if (!sh('mount', '-o', 'remount,ro', ws.state)) failures.push('cannot remount the state dir read-only')
    } else if (readOnly === 'chmod') {
      chmodSync(ws.state, 0o550)
    }
    await sleep(scale.quick ? 3000 : 10_000)
    if (!checkpointValid(cp)) corrupt.push('while read-only')
    if (mounted) sh('mount', '-o', 'remount,rw', ws.state)
    else if (readOnly === 'chmod') chmodSync(ws.state, 0o750)
    await sleep(1000)
    // the sink's output rotated: renamed, then SIGHUP
    const out = sinks.filePath as string
    renameSync(out, `${out}.1`)
    d.child.kill('SIGHUP')
    const reopened = await waitFor(() => existsSync(out) && statSync(out).size > 0, 5000, 100)
    if (!reopened) failures.push('the file sink did not reopen its output after SIGHUP')
    await sleep(1000)
    await d.kill('SIGKILL')
    if (!checkpointValid(cp)) corrupt.push('after SIGKILL')
    await writer.stop()
    const want = wantKeys(writer.events)
    const d2 = new Daemon(cfg)
    const done = await waitFor(() => sinks.complete(want) || !d2.running, scale.quick ? 90_000 : 240_000)
    await sleep(1000)
    await stopClean(d2, failures)
    const t = tally(sinks, want)
    const cpErrors = (d.stderr().match(/cannot save the checkpoint/g) ?? []).length
    if (!done) failures.push('not everything delivered in time after the restart')
    if (t.lost > 0 && done) failures.push(`${t.lost} events lost (${JSON.stringify(t.lostBySink)})`)
    if (cpErrors === 0 && !readOnly.startsWith('skipped')) failures.push('no error said the checkpoint could not be saved')
    if (corrupt.length > 0) failures.push(`checkpoint unreadable ${corrupt.join(', ')}`)
    if (t.extraEsDocs > 0) failures.push(`${t.extraEsDocs} extra documents in Elasticsearch`)
    return {
      scenario: 'disk', complete: done, records: writer.records, events: writer.events, lost: t.lost, duplicates: t.duplicates, peakRssMb: Math.max(d.peakKb, d2.peakKb) / 1024, seconds: (Date.now() - t0) / 1000,
      extra: { state_full: fullTried, state_read_only: readOnly, checkpoint_errors_logged: cpErrors, output_reopened: reopened ? 'yes' : 'no', workdir: failures.length === 0 ? '-' : ws.dir },
      failures,
    }
  } finally {
    if (d.running) await d.kill('SIGKILL')
    await writer.stop()
    await sinks.close()
    if (mounted) sh('umount', '-l', ws.state)
    if (failures.length === 0) ws.cleanup()
  }
}
