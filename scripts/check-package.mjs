#!/usr/bin/env node
// Refuses to pack or publish a broken package (run as `prepack` and
// `prepublishOnly`). npm would otherwise pack a fresh clone into a tarball with
// no dist/ and publish it without complaint.
//
//   node scripts/check-package.mjs            the main package: dist/ built and
//                                             up to date, the loader present
//   node scripts/check-package.mjs --publish  also every platform package that
//                                             `napi prepublish` will publish: its
//                                             binary (for the right OS), its
//                                             license files, matching versions
//
// When npm runs it as `prepack` of `npm publish` (npm_command=publish), after
// `napi prepublish` has written the optionalDependencies, it also checks that
// they pin every platform package to this version.

import fs from 'node:fs'
import path from 'node:path'

import { licenseFiles, looksLikeBinaryFor, releaseOptionalDependencies, root, rootPackage, targets } from './lib/packages.mjs'

const problems = []
const rel = (p) => path.relative(root, p)

/** Every .ts under src/, as paths relative to src/. */
function sources(dir = path.join(root, 'src')) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) return sources(full)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.relative(path.join(root, 'src'), full)] : []
  })
}

// The main package: JavaScript and types only.
for (const file of ['binding.js', 'binding.d.ts', 'index.d.ts', 'register.js', 'register.mjs', 'bin/mgnode.js']) {
  if (!fs.existsSync(path.join(root, file))) problems.push(`${file} is missing`)
}
if (!fs.existsSync(path.join(root, 'dist'))) {
  problems.push('dist/ is missing: run `npm run build` (or `npm run build:ts`) first')
} else {
  for (const src of sources()) {
    const srcFile = path.join(root, 'src', src)
    for (const out of [src.replace(/\.ts$/, '.js'), src.replace(/\.ts$/, '.d.ts')]) {
      const outFile = path.join(root, 'dist', out)
      if (!fs.existsSync(outFile)) problems.push(`dist/${out} is missing: run \`npm run build:ts\``)
      else if (fs.statSync(outFile).mtimeMs < fs.statSync(srcFile).mtimeMs) problems.push(`dist/${out} is older than src/${src}: run \`npm run build:ts\``)
    }
  }
}
const pkg = rootPackage()
// napi build writes the version into binding.js (its platform-package version check).
const loader = path.join(root, 'binding.js')
if (fs.existsSync(loader) && !fs.readFileSync(loader, 'utf8').includes(`'${pkg.version}'`)) {
  problems.push(`binding.js was generated for another version than ${pkg.version}: run \`npm run build:native\``)
}
if (pkg.files.some((f) => f.endsWith('.node'))) problems.push('package.json "files" lists .node files: binaries belong in the platform packages')

if (process.argv.includes('--publish')) {
  for (const t of targets(pkg)) {
    const manifestFile = path.join(t.dir, 'package.json')
    if (!fs.existsSync(manifestFile)) {
      problems.push(`npm/${t.id}/package.json is missing: run \`node scripts/sync-platform-packages.mjs\``)
      continue
    }
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'))
    if (manifest.name !== t.packageName) problems.push(`npm/${t.id} is named ${manifest.name}, expected ${t.packageName}`)
    if (manifest.version !== pkg.version) problems.push(`${t.packageName} is at ${manifest.version}, the main package at ${pkg.version}`)
    const binary = path.join(t.dir, t.binary)
    if (!fs.existsSync(binary) || fs.statSync(binary).size === 0) problems.push(`${rel(binary)} is missing: gather the release builds with \`napi artifacts\``)
    else if (!looksLikeBinaryFor(binary, t.platform)) problems.push(`${rel(binary)} is not a ${t.platform} binary`)
    for (const [name] of licenseFiles()) {
      if (!fs.existsSync(path.join(t.dir, name))) problems.push(`npm/${t.id}/${name} is missing: run \`node scripts/stage-platform-packages.mjs\``)
    }
  }
}

if (process.env.npm_command === 'publish') {
  const expected = releaseOptionalDependencies(pkg)
  const actual = pkg.optionalDependencies ?? {}
  for (const [name, version] of Object.entries(expected)) {
    if (actual[name] !== version) problems.push(`optionalDependencies does not pin ${name} to ${version} (napi prepublish writes them)`)
  }
}

if (problems.length) {
  console.error(`Refusing to ${process.argv.includes('--publish') || process.env.npm_command === 'publish' ? 'publish' : 'pack'} ${pkg.name}@${pkg.version}:`)
  for (const p of problems) console.error(`  - ${p}`)
  process.exit(1)
}
// stderr: `npm pack --json` prints its JSON on stdout.
console.error(`${pkg.name}@${pkg.version}: package contents checked${process.argv.includes('--publish') ? `, ${targets(pkg).length} platform packages ready` : ''}`)
