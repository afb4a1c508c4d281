/**
 * The time budget of a stop (SIGTERM/SIGINT): the whole stop — delivering what is in flight,
 * saving the checkpoint, closing the sinks — ends within `shutdown.timeout_ms` of the signal.
 *
 * MUST leave the checkpoint save a reserve: delivery gets the timeout less min(1 s, 1/4 of it).
 * MUST NOT wait for a sink's close past half of that reserve before the deadline: an HTTP
 *      client's close waits for the requests under way (ship/http/client.ts), and what they
 *      carry is unsettled anyway (read again on the next start).
 * The CLI enforces the deadline itself too (cli/run.ts exits when it passes).
 */
import type { Sink } from '../ship/sink.js'
import type { SinkQueue } from '../ship/queue.js'
import type { Logger } from '../telemetry/logger.js'

export interface StopBudget {
  /** until when the queues may deliver (ms since the epoch) */
  drainUntil: number
  /** until when the sinks' close() is waited for */
  closeUntil: number
  /** the end: stopAt + timeout */
  deadline: number
}

export function stopBudget (stopAt: number, timeoutMs: number): StopBudget {
  const reserve = Math.min(1000, Math.floor(timeoutMs / 4))
  const deadline = stopAt + timeoutMs
  return { drainUntil: deadline - reserve, closeUntil: deadline - Math.floor(reserve / 2), deadline }
}

/** Wait for `p` at most `ms` (its outcome is then ignored); true when it settled in time. */
export async function within (p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), Math.max(0, ms)); timer.unref() })
  try {
    return await Promise.race([p.then(() => true, () => true), late])
  } finally {
    clearTimeout(timer)
  }
}

/** Close the sinks, waiting at most `ms`; a failed close is logged (nothing is left to deliver). */
export async function closeSinks (sinks: Sink[], ms: number, log: Logger): Promise<void> {
  const closing = sinks.map(async (s) => await s.close().catch((err: Error) => { log.warn({ sink: s.name, err: err.message }, 'sink close failed') }))
  if (!(await within(Promise.all(closing), ms))) log.warn({ sinks: sinks.map((s) => s.name) }, 'shutdown: not waiting any longer for the sinks to close')
}

/** Let every queue deliver until `until`, then stop its retries; true when all was delivered. */
export async function drainQueues (queues: SinkQueue[], until: number): Promise<boolean> {
  let all = true
  for (const q of queues) all = (await q.drain(Math.max(0, until - Date.now()))) && all
  for (const q of queues) q.stop()
  return all
}
