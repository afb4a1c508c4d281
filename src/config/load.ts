/**
 * Read the daemon's configuration file: YAML (so JSON too) → a document, then validated
 * (validate.ts). Never throws: an unreadable file or a syntax error comes back as an issue,
 * `(file)` or `(syntax)` with its line and column.
 */
import { readFile } from 'node:fs/promises'
import { LineCounter, parseDocument } from 'yaml'
import { cannotRead } from './messages.js'
import { checkConfig } from './validate.js'
import type { ConfigIssue, ConfigResult } from './types.js'

// the shapes, for the modules that import them from here (ship/build.ts)
export type { Config, ConfigIssue, ConfigResult } from './types.js'

/** The file's text parsed as YAML, or what is wrong with it. */
export async function readConfigFile (path: string): Promise<{ ok: true, doc: unknown } | { ok: false, errors: ConfigIssue[] }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return { ok: false, errors: [{ path: '(file)', message: cannotRead(path, err) }] }
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0])
        return { path: '(syntax)', message: `line ${line}, column ${col}: ${e.message.split('\n')[0]}` }
      }),
    }
  }
  try {
    return { ok: true, doc: doc.toJS() }
  } catch (err) {
    // e.g. an alias expanding too much
    return { ok: false, errors: [{ path: '(syntax)', message: (err as Error).message }] }
  }
}

/** Read, parse and validate the configuration file at `path`. */
export async function loadConfig (path: string): Promise<ConfigResult> {
  const r = await readConfigFile(path)
  return r.ok ? checkConfig(r.doc) : r
}
