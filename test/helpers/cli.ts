/** Run the built CLI as a child process. */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot } from './pipeline.js'

export const cliPath = join(repoRoot, 'dist', 'cli', 'main.js')

export interface CliResult { code: number | null, stdout: string, stderr: string }

export function cli (args: string[], input?: string | Buffer, env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], { input, env: { ...process.env, ...env }, maxBuffer: 1 << 28, encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

export function events (stdout: string): any[] {
  return stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l))
}
