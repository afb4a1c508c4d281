/**
 * Files shipped with the package (package.json, schemas/*.json), from src/ or dist/.
 *
 * Read them through `readPackageJson`: the single-file bundle (scripts/bundle.mjs) replaces
 * this module with one that has the same exports and returns the files embedded at build
 * time, so `convert`, `run` and `check-config` work from the bundle (and the single binary)
 * alone. The paths stay for messages.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

export function schemaPath (name: string): string {
  return join(packageRoot, 'schemas', name)
}

export function packageFile (name: string): string {
  return join(packageRoot, name)
}

/** A JSON file of the package (`package.json`, `schemas/<name>`), parsed; a fresh copy each call. */
export function readPackageJson (name: string): unknown {
  return JSON.parse(readFileSync(packageFile(name), 'utf8'))
}
