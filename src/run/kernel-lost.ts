/**
 * The kernel's own count of audit records it lost since boot (`auditctl -s`: `lost N`): what
 * never reached auditd, let alone the log (backlog full, rate limit). For the gauge
 * auditship_kernel_audit_lost and the loss detail of /readyz (docs/design.md §3.6).
 *
 * MUST NOT slow or fail a scrape or a readiness probe: auditctl is asked at most every
 *      `minIntervalMs` (one run at a time, with a timeout), and the last answer is served meanwhile.
 * MUST say nothing rather than guess: undefined when auditctl is missing, may not ask the kernel
 *      (it needs root or CAP_AUDIT_CONTROL), or prints no `lost` line; it is then not asked again
 *      for `retryMs` (a missing tool stays missing).
 */
import { execFile } from 'node:child_process'

export interface KernelLostOptions {
  /** `auditctl -s`'s output; rejects when it cannot run. Default: runs it with a 2 s timeout. */
  status?: () => Promise<string>
  /** default 30 s */
  minIntervalMs?: number
  /** after a failure; default 10 min */
  retryMs?: number
  now?: () => number
}

/** `lost N` of `auditctl -s` (one `key value` per line); undefined without one. */
export function parseLost (status: string): number | undefined {
  for (const line of status.split('\n')) {
    const sp = line.indexOf(' ')
    if (sp < 0 || line.slice(0, sp) !== 'lost') continue
    const v = line.slice(sp + 1).trim()
    return /^\d+$/.test(v) ? Number(v) : undefined
  }
  return undefined
}

async function auditctlStatus (): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile('auditctl', ['-s'], { timeout: 2000, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => { if (err !== null) reject(new Error(err.message)); else resolve(stdout) })
  })
}

export class KernelLost {
  private value: number | undefined
  private nextAt = 0
  private running: Promise<void> | undefined
  private readonly now: () => number

  constructor (private readonly o: KernelLostOptions = {}) {
    this.now = o.now ?? Date.now
  }

  /** The kernel's lost count since boot, as last read; refreshed when due. */
  async read (): Promise<number | undefined> {
    if (this.now() >= this.nextAt) {
      this.running ??= this.refresh().finally(() => { this.running = undefined })
      await this.running
    }
    return this.value
  }

  private async refresh (): Promise<void> {
    try {
      this.value = parseLost(await (this.o.status ?? auditctlStatus)())
    } catch {
      this.value = undefined
    }
    this.nextAt = this.now() + (this.value === undefined ? this.o.retryMs ?? 600_000 : this.o.minIntervalMs ?? 30_000)
  }
}
