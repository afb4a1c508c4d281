/**
 * Reading one secret (password, API key, token) from the file or environment variable the
 * configuration names, never from the configuration itself. A missing, empty or multi-line
 * secret is a config issue at the `<name>_file` or `<name>_env` key. The value is kept out of
 * logs, errors and metrics: only the sinks' request headers carry it, and every secret read is
 * registered for redaction (telemetry/redact.ts), so that a peer echoing it is not quoted.
 */
import { readFile } from 'node:fs/promises'
import type { FactoryContext } from './factory.js'
import { addSecret } from '../../telemetry/redact.js'

/** A line break or another control character (C0 or DEL): one secret is one line of text. */
function hasControl (s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

/**
 * The secret `name` of the section at `at` (e.g. `sinks[0].auth`, `password`), from `file`
 * or else `env`; undefined (with an issue) when it cannot be had, or when neither is given.
 */
export async function readSecret (ctx: FactoryContext, at: string, name: string, file: string | null, env: string | null): Promise<string | undefined> {
  if (file !== null) {
    const key = `${at}.${name}_file`
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      ctx.issue(key, `cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}${e.code === undefined ? '' : ` (${e.code})`}`)
      return undefined
    }
    const v = text.trim()
    if (v === '') { ctx.issue(key, `${file} is empty`); return undefined }
    if (hasControl(v)) { ctx.issue(key, `${file} holds more than one line (or a control character): one secret, one line`); return undefined }
    addSecret(v)
    return v
  }
  if (env !== null) {
    const key = `${at}.${name}_env`
    const v = process.env[env]?.trim()
    if (v === undefined || v === '') { ctx.issue(key, `the environment variable ${env} is not set or empty`); return undefined }
    if (hasControl(v)) { ctx.issue(key, `the environment variable ${env} holds a line break or control character`); return undefined }
    addSecret(v)
    return v
  }
  return undefined
}
