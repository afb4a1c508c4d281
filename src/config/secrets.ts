/**
 * The server's bearer token (`server.auth_token_file`), read once at start, never from the
 * configuration itself. A missing, empty or multi-line token refuses the start with the key's
 * path (exit 78); the value is kept out of logs, errors and metrics. (The sinks' secrets are
 * read by their own factories: ship/sinks/secret.ts.)
 */
import { readFile } from 'node:fs/promises'
import { cannotRead } from './messages.js'
import type { Config, ConfigIssue } from './types.js'
import { addSecret } from '../telemetry/redact.js'

const CONTROL = /[\x00-\x1f\x7f]/

async function readOne (at: string, name: string, file: string | null, env: string | null): Promise<string | ConfigIssue | undefined> {
  if (file !== null) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      return { path: `${at}.${name}_file`, message: cannotRead(file, err) }
    }
    const v = text.trim()
    if (v === '') return { path: `${at}.${name}_file`, message: `${file} is empty` }
    return CONTROL.test(v) ? { path: `${at}.${name}_file`, message: `${file} holds more than one line (or a control character): one secret, one line` } : v
  }
  if (env !== null) {
    const v = process.env[env]?.trim()
    if (v === undefined || v === '') return { path: `${at}.${name}_env`, message: `the environment variable ${env} is not set or empty` }
    return CONTROL.test(v) ? { path: `${at}.${name}_env`, message: `the environment variable ${env} holds a line break or control character` } : v
  }
  return undefined
}

/**
 * The bearer token the server requires (`server.auth_token_file`), when the server is on and
 * has one; undefined otherwise.
 */
export async function readServerToken (c: Config): Promise<{ ok: true, token: string | undefined } | { ok: false, errors: ConfigIssue[] }> {
  if (!c.server.enabled || c.server.auth_token_file === null) return { ok: true, token: undefined }
  const r = await readOne('server', 'auth_token', c.server.auth_token_file, null)
  if (typeof r === 'object') return { ok: false, errors: [r] }
  addSecret(r)
  return { ok: true, token: r }
}
