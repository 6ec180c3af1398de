#!/usr/bin/env node
// Brings npm/<platform>/ in line with package.json: runs `napi create-npm-dirs`
// (which makes a package per napi.targets entry, with os/cpu/libc), then adds
// what mgnode's platform packages carry beyond that (license files, a README,
// a description saying which package to install instead), at the main
// package's version. (The main package's optionalDependencies on them are
// written at publish time by `napi prepublish`.)
//
// Run it after changing napi.targets or the version; `npm version` runs it.

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { licenseFiles, readJson, root, rootPackage, targets, writeJson } from './lib/packages.mjs'

const PLATFORM_NAMES = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' }
// What each libc build needs; the gnu floor is what scripts/build-cross.mjs links against.
const ABI_NOTES = { gnu: 'glibc 2.17 or later', musl: 'musl, e.g. Alpine', msvc: '' }

function label(t) {
  const note = ABI_NOTES[t.abi ?? '']
  return `${PLATFORM_NAMES[t.platform] ?? t.platform} ${t.arch}${note ? ` (${note})` : ''}`
}

function readme(pkg, t) {
  return `# ${t.packageName}

The native addon of [${pkg.name}](${pkg.homepage}) for ${label(t)}.

Do not install this package yourself: install \`${pkg.name}\`, which lists it as an optional
dependency, and npm picks the one for your platform.

It contains ${pkg.name}'s Rust addon and the [Mongoose](https://github.com/cesanta/mongoose)
networking library by Cesanta Software Limited, compiled together into
\`${t.binary}\`. Both are licensed under the GNU General Public License version 2:
see \`LICENSE\` for ${pkg.name}'s license and \`LICENSE-mongoose\` for Mongoose's copyright and
license.
`
}

try {
  execFileSync(process.execPath, [path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js'), 'create-npm-dirs'], {
    cwd: root,
    stdio: 'pipe',
  })
} catch (err) {
  process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`)
  throw err
}

const pkg = rootPackage()
let count = 0
for (const t of targets(pkg)) {
  const file = path.join(t.dir, 'package.json')
  const sub = readJson(file)
  sub.version = pkg.version
  sub.description = `${pkg.name}'s native addon for ${label(t)}. Install ${pkg.name}, not this package.`
  sub.files = [t.binary, ...licenseFiles().map(([name]) => name)]
  sub.repository = { ...pkg.repository, directory: `npm/${t.id}` }
  writeJson(file, sub)
  fs.writeFileSync(path.join(t.dir, 'README.md'), readme(pkg, t))
  count++
}
console.log(`npm/: ${count} platform packages at ${pkg.version}`)
