#!/usr/bin/env node
// Checks an unpacked or installed npm package of auditship (a directory holding its
// package.json): the LICENSE is the Apache-2.0 text package.json names; every relative link of
// README.md and of the docs it links resolves to a file in the package; every source map a
// shipped .js names is shipped and carries the sources it maps (no pointer to an unshipped
// src/); the bin is the two-line /bin/sh launcher (no `env -S`).
//
//   node scripts/check-package.mjs DIR     prints each problem, exit 1 when there is one
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Relative link targets of a markdown text (without #fragment), external ones left out. */
export function relativeLinks (md) {
  const out = []
  for (const m of md.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1].split('#')[0]
    if (target === '' || /^[a-z]+:/i.test(target)) continue
    out.push(target)
  }
  return out
}

function walk (dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else out.push(p)
  }
  return out
}

/** The problems found in the package at `dir`, as lines. */
export function checkPackage (dir) {
  const problems = []
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const license = existsSync(join(dir, 'LICENSE')) ? readFileSync(join(dir, 'LICENSE'), 'utf8') : ''
  if (pkg.license !== 'Apache-2.0') problems.push(`package.json license is ${pkg.license}, not Apache-2.0`)
  if (!/Apache License\s+Version 2\.0, January 2004/.test(license) || !/END OF TERMS AND CONDITIONS/.test(license)) {
    problems.push('LICENSE is missing or is not the full Apache-2.0 text')
  }
  // README links, and the links of the markdown files it links (one level, as a reader follows them)
  const seen = new Set()
  const queue = [{ file: join(dir, 'README.md'), depth: 0 }]
  while (queue.length > 0) {
    const { file, depth } = queue.shift()
    if (seen.has(file)) continue
    seen.add(file)
    if (!existsSync(file)) continue
    for (const link of relativeLinks(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), link)
      if (!existsSync(target)) problems.push(`${relative(dir, file)} links ${link}, which is not in the package`)
      else if (depth < 1 && target.endsWith('.md')) queue.push({ file: target, depth: depth + 1 })
    }
  }
  // source maps
  for (const file of walk(join(dir, 'dist')).filter((f) => f.endsWith('.js'))) {
    const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(file, 'utf8'))
    if (m === null) continue
    if (m[1].startsWith('data:')) continue
    const mapFile = resolve(dirname(file), m[1])
    if (!existsSync(mapFile)) { problems.push(`${relative(dir, file)} names ${m[1]}, which is not in the package`); continue }
    const map = JSON.parse(readFileSync(mapFile, 'utf8'))
    map.sources.forEach((src, i) => {
      const shipped = existsSync(resolve(dirname(mapFile), map.sourceRoot ?? '', src))
      if (!shipped && typeof map.sourcesContent?.[i] !== 'string') problems.push(`${relative(dir, mapFile)} maps ${src}, which is neither in the package nor inlined`)
    })
  }
  // the bin
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.auditship
  if (bin === undefined || !existsSync(join(dir, bin))) problems.push(`the bin ${bin} is not in the package`)
  else {
    const [first, second] = readFileSync(join(dir, bin), 'utf8').split('\n')
    if (first !== '#!/bin/sh' || !second.includes('exec env') || /env -S/.test(first + second)) problems.push(`the bin ${bin} does not start with the /bin/sh launcher`)
  }
  return problems
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2]
  if (dir === undefined) { console.error('usage: node scripts/check-package.mjs DIR'); process.exit(64) }
  const problems = checkPackage(dir)
  for (const p of problems) console.error(`check-package: ${p}`)
  if (problems.length === 0) console.log(`check-package: ${dir}: LICENSE, README links, source maps and bin OK`)
  process.exit(problems.length === 0 ? 0 : 1)
}
