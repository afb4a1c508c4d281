/**
 * Secrets (the sinks' passwords, API keys and tokens, the server's bearer token) are read once
 * at start from the file or environment variable the configuration names, never from the
 * configuration itself. A missing or empty secret refuses the start with the key's path
 * (exit 78). The values are kept out of logs, errors and metrics: only the sinks' request
 * headers and the server's token check carry them.
 */
import { readFile } from 'node:fs/promises'
import { cannotRead } from './messages.js'
import type { Config, ConfigIssue } from './types.js'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/

export interface SinkSecrets {
  password?: string
  apiKey?: string
  token?: string
}

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

/** The secrets of every sink, by sink name, or the issues that stop the start. */
export async function readSinkSecrets (c: Config): Promise<{ ok: true, secrets: Map<string, SinkSecrets> } | { ok: false, errors: ConfigIssue[] }> {
  const secrets = new Map<string, SinkSecrets>()
  const errors: ConfigIssue[] = []
  const take = async (at: string, name: string, file: string | null, env: string | null): Promise<string | undefined> => {
    const r = await readOne(at, name, file, env)
    if (typeof r === 'object') { errors.push(r); return undefined }
    return r
  }
  for (const [i, s] of c.sinks.entries()) {
    const at = `sinks[${i}]`
    const out: SinkSecrets = {}
    if (s.type === 'splunk_hec') {
      out.token = await take(at, 'token', s.token_file, s.token_env)
    } else if (s.type === 'elasticsearch') {
      if (s.auth.type === 'basic') out.password = await take(`${at}.auth`, 'password', s.auth.password_file, s.auth.password_env)
      if (s.auth.type === 'api_key') out.apiKey = await take(`${at}.auth`, 'api_key', s.auth.api_key_file, s.auth.api_key_env)
      if (s.auth.type === 'bearer') out.token = await take(`${at}.auth`, 'token', s.auth.token_file, s.auth.token_env)
    } else if (s.type === 'http') {
      if (s.auth.type === 'basic') out.password = await take(`${at}.auth`, 'password', s.auth.password_file, s.auth.password_env)
      if (s.auth.type === 'bearer') out.token = await take(`${at}.auth`, 'token', s.auth.token_file, s.auth.token_env)
    }
    secrets.set(s.name, out)
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, secrets }
}

/**
 * The bearer token the server requires (`server.auth_token_file`), when the server is on and
 * has one; undefined otherwise.
 */
export async function readServerToken (c: Config): Promise<{ ok: true, token: string | undefined } | { ok: false, errors: ConfigIssue[] }> {
  if (!c.server.enabled || c.server.auth_token_file === null) return { ok: true, token: undefined }
  const r = await readOne('server', 'auth_token', c.server.auth_token_file, null)
  return typeof r === 'object' ? { ok: false, errors: [r] } : { ok: true, token: r }
}
