#!/usr/bin/env node
// The user's path, as a test: pack the main package and this machine's
// platform package (after `npm run build`), install both with Express into an
// empty folder using a PATH that has node, npm and npx and nothing else (no
// cargo, no C compiler, no python3), run `npx mgnode app.js` there, and check
// the app's answer and that the addon came from the platform package.
//
//   node scripts/check-install.mjs      (`.ci/run` runs it after `npm test`;
//                                       CHECK_INSTALL_KEEP=1 keeps the temporary folder)
//
// The main package is installed as published, with its optionalDependencies on
// every platform package; npm takes this machine's from the tarball given and
// skips the others (other platforms, or not in the registry yet). npm's cache
// is used first (--prefer-offline), so Express comes from what `npm ci` fetched.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

import { readJson, releaseOptionalDependencies, root, rootPackage, stagePlatformPackage, targets } from './lib/packages.mjs'

const require = createRequire(import.meta.url)
const started = Date.now()
const step = (msg) => console.log(`[check-install ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`)

function fail(msg) {
  console.error(`check-install: FAILED: ${msg}`)
  process.exit(1)
}

/** Runs a command to completion; fails the check with its output if it fails. */
function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options })
  if (r.error || r.status !== 0) fail(`${cmd} ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status}`}\n${r.stdout ?? ''}${r.stderr ?? ''}`)
  return r.stdout
}

/** `npm pack --json` of `dir` into `dest`; returns the tarball's path and file list. */
function pack(dir, dest, extra = []) {
  fs.mkdirSync(dest, { recursive: true })
  const [info] = JSON.parse(run('npm', ['pack', '--json', ...extra, '--pack-destination', dest, dir], { cwd: root }))
  return { tarball: path.join(dest, info.filename), files: info.files.map((f) => f.path) }
}

const pkg = rootPackage()
const { currentMachine, platformId } = require(path.join(root, 'dist', 'platform-id.js'))
const id = platformId(currentMachine())
const target = targets(pkg).find((t) => t.id === id)
if (!target) fail(`this machine (${id}) is not one of package.json's napi.targets`)

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-install-'))
let child
/** Whether any process of the child's group (npx, its shell, mgnode) is still there. */
const groupAlive = () => {
  try {
    process.kill(-child.pid, 0)
    return true
  } catch {
    return false
  }
}
process.on('exit', () => {
  if (child && groupAlive()) process.kill(-child.pid, 'SIGKILL')
  if (!process.env.CHECK_INSTALL_KEEP) fs.rmSync(tmp, { recursive: true, force: true })
})

// 1. The two tarballs, as the release would make them.
step(`packing ${pkg.name} and ${target.packageName}`)
const platformDir = path.join(tmp, 'platform-package')
fs.cpSync(target.dir, platformDir, { recursive: true })
stagePlatformPackage(target, platformDir, path.join(root, target.binary))
const packed = pack(root, path.join(tmp, 'packed'))
// As published: `napi prepublish` adds the optionalDependencies on every platform package before npm packs.
run('tar', ['-xzf', packed.tarball, '-C', tmp])
const manifest = readJson(path.join(tmp, 'package', 'package.json'))
manifest.optionalDependencies = releaseOptionalDependencies(pkg)
fs.writeFileSync(path.join(tmp, 'package', 'package.json'), JSON.stringify(manifest, null, 2))
const main = pack(path.join(tmp, 'package'), tmp, ['--ignore-scripts'])
const platform = pack(platformDir, tmp)
if (main.files.some((f) => f.endsWith('.node'))) fail(`the main tarball holds a binary: ${main.files.filter((f) => f.endsWith('.node'))}`)
for (const f of ['dist/index.js', 'dist/cli.js', 'binding.js', 'bin/mgnode.js', 'register.js']) {
  if (!main.files.includes(f)) fail(`the main tarball lacks ${f}`)
}
for (const f of [target.binary, 'LICENSE', 'LICENSE-mongoose', 'package.json']) {
  if (!platform.files.includes(f)) fail(`${target.packageName}'s tarball lacks ${f}`)
}

// 2. A PATH with node, npm and npx only.
const bin = path.join(tmp, 'bin')
fs.mkdirSync(bin)
// npm and npx are scripts (npm-cli.js, npx-cli.js) in npm's own bin folder; find it through the npm on PATH.
const npmOnPath = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'npm')).find((f) => fs.existsSync(f))
if (!npmOnPath) fail('npm is not on PATH')
const npmCli = path.dirname(fs.realpathSync(npmOnPath))
fs.symlinkSync(process.execPath, path.join(bin, 'node'))
fs.symlinkSync(path.join(npmCli, 'npm-cli.js'), path.join(bin, 'npm'))
fs.symlinkSync(path.join(npmCli, 'npx-cli.js'), path.join(bin, 'npx'))
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_(?!config_(registry|cache|userconfig)$)|CARGO|RUSTUP|CC$|CXX$|PYTHON)/i.test(k)))
env.PATH = bin
// npm runs package binaries through a shell, looked up on PATH unless named in full.
env.npm_config_script_shell = '/bin/sh'
for (const tool of ['cargo', 'rustc', 'cc', 'gcc', 'python3', 'python']) {
  if (fs.existsSync(path.join(bin, tool))) fail(`${tool} is on the test PATH`)
}

// 3. An empty app folder: install the two tarballs and Express.
const app = path.join(tmp, 'app')
fs.mkdirSync(app)
fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'user-app', private: true }, null, 2))
const express = readJson(path.join(root, 'node_modules', 'express', 'package.json')).version
step(`npm install ${path.basename(main.tarball)} ${path.basename(platform.tarball)} express@${express}`)
run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', main.tarball, platform.tarball, `express@${express}`], { cwd: app, env })
fs.writeFileSync(
  path.join(app, 'app.js'),
  `const express = require('express')
const app = express()
app.get('/hello/:name', (req, res) => {
  // Which addon file this thread loaded: it should be the platform package's.
  const addon = Object.keys(require.cache).find((f) => f.endsWith('.node'))
  res.json({ hello: req.params.name, addon })
})
module.exports = app
`,
)

// 4. npx mgnode app.js, one request, stop.
step('npx mgnode app.js -l http://127.0.0.1:0 -w 1')
child = spawn('npx', ['mgnode', 'app.js', '-l', 'http://127.0.0.1:0', '-w', '1'], { cwd: app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
let output = ''
child.stdout.on('data', (d) => (output += d))
child.stderr.on('data', (d) => (output += d))
const port = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve(null), 60_000)
  const look = () => {
    const m = /listening on https?:\/\/[^\s]*:(\d+)/.exec(output)
    if (m) {
      clearTimeout(timer)
      resolve(Number(m[1]))
    }
  }
  child.stdout.on('data', look)
  child.on('exit', () => {
    clearTimeout(timer)
    resolve(null)
  })
})
if (!port) fail(`mgnode did not start listening:\n${output}`)
const res = await fetch(`http://127.0.0.1:${port}/hello/user`)
const body = await res.json()
const expectedAddon = path.join(app, 'node_modules', target.packageName, target.binary)
if (res.status !== 200 || body.hello !== 'user') fail(`unexpected answer ${res.status} ${JSON.stringify(body)}`)
if (fs.realpathSync(body.addon ?? '.') !== fs.realpathSync(expectedAddon)) fail(`the addon came from ${body.addon}, not ${expectedAddon}`)
// SIGTERM to the whole group, as a terminal's Ctrl-C reaches all of it; mgnode drains and exits.
process.kill(-child.pid, 'SIGTERM')
for (let waited = 0; groupAlive(); waited += 100) {
  if (waited > 15_000) fail(`mgnode did not stop within 15 s of SIGTERM:\n${output}`)
  await new Promise((r) => setTimeout(r, 100))
}
if (!/mgnode: stopped/.test(output)) fail(`mgnode did not report a clean stop:\n${output}`)
step(`answered ${res.status} ${JSON.stringify({ hello: body.hello })} with ${path.relative(app, body.addon)}; stopped cleanly`)
console.log(`check-install: OK (${((Date.now() - started) / 1000).toFixed(1)} s)`)
