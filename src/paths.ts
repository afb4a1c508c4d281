/** Locations of files shipped with the package (schemas, examples), from src/ or dist/. */
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

export function schemaPath (name: string): string {
  return join(packageRoot, 'schemas', name)
}

export function packageFile (name: string): string {
  return join(packageRoot, name)
}
