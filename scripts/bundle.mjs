#!/usr/bin/env node
// The single-file bundle: src/cli/main.ts and everything it loads (lazily loaded commands
// included) → dist-pkg/auditship.cjs, CommonJS for Node's single executable applications
// (Node 20 runs a SEA's main script as CommonJS). The files the code reads at run time
// (package.json, schemas/*.json, deploy/elasticsearch/*.json, through src/paths.ts
// readPackageJson) are embedded: src/paths.ts
// is replaced by a module with the same exports that returns them, so the bundle needs no
// file beside it.
//
//   node scripts/bundle.mjs [--out FILE]
import { build } from 'esbuild'
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outIdx = process.argv.indexOf('--out')
const outfile = outIdx > 0 ? resolve(process.argv[outIdx + 1]) : join(root, 'dist-pkg', 'auditship.cjs')

/** The bundle's src/paths.ts: the same exports, the package's JSON files embedded. */
function embeddedPaths () {
  const dir = (d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.json')).map((f) => `${d}/${f}`)
  const files = ['package.json', ...dir('schemas'), ...dir('deploy/elasticsearch')]
  const imports = files.map((f, i) => `import f${i} from ${JSON.stringify(join(root, f))}`).join('\n')
  const table = files.map((f, i) => `  ${JSON.stringify(f)}: f${i},`).join('\n')
  return `${imports}
const files: Record<string, unknown> = {
${table}
}
export function schemaPath (name: string): string { return '(bundled)/schemas/' + name }
export function packageFile (name: string): string { return '(bundled)/' + name }
export function readPackageJson (name: string): unknown {
  if (!Object.hasOwn(files, name)) throw new Error('not bundled: ' + name)
  return structuredClone(files[name])
}
`
}

const embed = {
  name: 'auditship-embed-package-files',
  setup (b) {
    const paths = join(root, 'src', 'paths.ts')
    b.onLoad({ filter: /[\\/]src[\\/]paths\.ts$/ }, (args) => {
      if (resolve(args.path) !== paths) return undefined
      return { contents: embeddedPaths(), loader: 'ts', resolveDir: join(root, 'src') }
    })
  },
}

mkdirSync(dirname(outfile), { recursive: true })
const result = await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  minifySyntax: true,
  logLevel: 'warning',
  metafile: true,
  plugins: [embed],
})
// esbuild keeps main.ts's `#!` line but drops the launcher line under it (a comment): put both
// back, so that the bundle run as a program starts node with the same settings as the npm bin
const launcher = readFileSync(join(root, 'src', 'cli', 'main.ts'), 'utf8').split('\n').slice(0, 2)
const code = readFileSync(outfile, 'utf8')
if (!code.startsWith(`${launcher[0]}\n`)) throw new Error(`bundle: ${outfile} does not start with ${launcher[0]}`)
writeFileSync(outfile, `${launcher.join('\n')}\n${code.slice(launcher[0].length + 1)}`)
chmodSync(outfile, 0o755)
const bytes = statSync(outfile).size
console.log(`bundle: ${outfile} (${(bytes / 1024).toFixed(0)} kB; ${Object.keys(result.metafile.inputs).length} modules)`)
