import test from 'ava'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const { parseTriple } = require('@napi-rs/cli')
const { platformId, tripleToId } = require('../dist/platform-id.js')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const targets = pkg.napi.targets.map(parseTriple)

test('the optionalDependencies written at publish time pin one platform package per napi target, at its version', async (t) => {
  // Not committed: `npm ci` refuses a lockfile that cannot resolve them before they are published.
  t.is(pkg.optionalDependencies, undefined)
  const { releaseOptionalDependencies } = await import('../scripts/lib/packages.mjs')
  const expected = Object.fromEntries(targets.map((x) => [`${pkg.name}-${x.platformArchABI}`, pkg.version]))
  t.deepEqual(releaseOptionalDependencies(pkg), expected)
  t.true(targets.length >= 7)
})

test('each platform package declares its os, cpu and libc, its binary and the license files', (t) => {
  for (const x of targets) {
    const dir = path.join(root, 'npm', x.platformArchABI)
    const sub = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    const binary = `${pkg.napi.binaryName}.${x.platformArchABI}.node`
    t.is(sub.name, `${pkg.name}-${x.platformArchABI}`)
    t.is(sub.version, pkg.version)
    t.is(sub.main, binary)
    t.deepEqual(sub.files, [binary, 'LICENSE', 'LICENSE-mongoose'])
    t.deepEqual(sub.os, [x.platform])
    t.deepEqual(sub.cpu, [x.arch])
    t.deepEqual(sub.libc, x.platform === 'linux' ? [x.abi === 'musl' ? 'musl' : 'glibc'] : undefined)
    t.is(sub.license, pkg.license)
    t.is(sub.repository.directory, `npm/${x.platformArchABI}`)
    t.regex(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'), /install `mgnode`/)
  }
})

test("the loader names machines and targets as napi-rs does, so its error names the right package", (t) => {
  for (const x of targets) {
    const libc = x.abi === 'musl' ? 'musl' : 'gnu'
    t.is(platformId({ platform: x.platform, arch: x.arch, libc }), x.platformArchABI)
  }
  for (const triple of [...pkg.napi.targets, 'armv7-unknown-linux-gnueabihf', 'i686-pc-windows-msvc', 'x86_64-unknown-freebsd', 'riscv64gc-unknown-linux-gnu']) {
    t.is(tripleToId(triple), parseTriple(triple).platformArchABI, triple)
  }
})

test('the main tarball holds JavaScript and types only', (t) => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })
  t.is(r.status, 0, r.stderr)
  const files = JSON.parse(r.stdout)[0].files.map((f) => f.path)
  t.deepEqual(files.filter((f) => /\.(node|dll|so|dylib)$/.test(f)), [])
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/native-loader.js', 'dist/platform-id.js', 'binding.js', 'binding.d.ts', 'bin/mgnode.js', 'register.js', 'register.mjs', 'LICENSE', 'README.md']) {
    t.true(files.includes(f), f)
  }
  t.deepEqual(files.filter((f) => /^(src|__test__|crates|npm|scripts|vendor|bench)\//.test(f)), [])
})

/** A copy of the repository's package files with the given extras, to run check-package.mjs on. */
function scratchRepo(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-check-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  for (const f of ['package.json', 'scripts', 'src', 'npm', 'bin', 'binding.js', 'binding.d.ts', 'index.d.ts', 'register.js', 'register.mjs', 'LICENSE']) {
    fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true })
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'))
  return dir
}

const check = (dir, ...args) => spawnSync(process.execPath, [path.join(dir, 'scripts', 'check-package.mjs'), ...args], { encoding: 'utf8' })

test('packing is refused without dist/, or with dist/ older than src/', (t) => {
  const dir = scratchRepo(t)
  let r = check(dir)
  t.is(r.status, 1)
  t.regex(r.stderr, /Refusing to pack mgnode@.*\n.*dist\/ is missing/)

  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true })
  const old = new Date(Date.now() - 3_600_000)
  fs.utimesSync(path.join(dir, 'dist', 'serve.js'), old, old)
  r = check(dir)
  t.is(r.status, 1)
  t.regex(r.stderr, /dist\/serve\.js is older than src\/serve\.ts/)

  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true })
  r = check(dir)
  t.is(r.status, 0, r.stderr)
})

test('publishing is refused until every platform package has its binary, for its OS, and its licenses', (t) => {
  const dir = scratchRepo(t)
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true })
  const ids = targets.map((x) => x.platformArchABI)
  let r = check(dir, '--publish')
  t.is(r.status, 1)
  t.regex(r.stderr, /Refusing to publish/)
  for (const id of ids) t.true(r.stderr.includes(`npm/${id}/mgnode.${id}.node is missing`), id)

  // Every binary present, but the macOS one is really a Linux one; no licenses yet.
  const elf = fs.readFileSync(path.join(root, `mgnode.${platformId({ platform: 'linux', arch: 'x64', libc: 'gnu' })}.node`)).subarray(0, 64)
  const magic = { linux: elf, darwin: Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 0, 0]), win32: Buffer.from('MZ\0\0') }
  for (const x of targets) fs.writeFileSync(path.join(dir, 'npm', x.platformArchABI, `mgnode.${x.platformArchABI}.node`), magic[x.platform])
  fs.writeFileSync(path.join(dir, 'npm', 'darwin-arm64', 'mgnode.darwin-arm64.node'), elf)
  for (const id of ids) {
    for (const f of ['LICENSE', 'LICENSE-mongoose']) fs.rmSync(path.join(dir, 'npm', id, f), { force: true })
  }
  r = check(dir, '--publish')
  t.is(r.status, 1)
  t.regex(r.stderr, /npm\/darwin-arm64\/mgnode\.darwin-arm64\.node is not a darwin binary/)
  t.regex(r.stderr, /npm\/linux-x64-gnu\/LICENSE-mongoose is missing/)
  t.notRegex(r.stderr, /linux-x64-gnu\.node is/)

  fs.writeFileSync(path.join(dir, 'npm', 'darwin-arm64', 'mgnode.darwin-arm64.node'), magic.darwin)
  for (const id of ids) {
    fs.writeFileSync(path.join(dir, 'npm', id, 'LICENSE'), 'GPL-2.0')
    fs.writeFileSync(path.join(dir, 'npm', id, 'LICENSE-mongoose'), 'Copyright (c) Cesanta Software Limited')
  }
  r = check(dir, '--publish')
  t.is(r.status, 0, r.stderr)
  t.regex(r.stderr, new RegExp(`${ids.length} platform packages ready`))
})

test("publishing is refused if the main package's optionalDependencies do not pin every platform package", (t) => {
  const dir = scratchRepo(t)
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true })
  const asPublish = () => spawnSync(process.execPath, [path.join(dir, 'scripts', 'check-package.mjs')], { encoding: 'utf8', env: { ...process.env, npm_command: 'publish' } })
  let r = asPublish()
  t.is(r.status, 1)
  t.regex(r.stderr, /optionalDependencies does not pin mgnode-darwin-arm64 to /)

  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  manifest.optionalDependencies = Object.fromEntries(targets.map((x) => [`${pkg.name}-${x.platformArchABI}`, pkg.version]))
  manifest.optionalDependencies['mgnode-win32-x64-msvc'] = '0.0.1'
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest))
  r = asPublish()
  t.is(r.status, 1)
  t.regex(r.stderr, /optionalDependencies does not pin mgnode-win32-x64-msvc to /)
  t.notRegex(r.stderr, /mgnode-darwin-arm64/)

  manifest.optionalDependencies['mgnode-win32-x64-msvc'] = pkg.version
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest))
  r = asPublish()
  t.is(r.status, 0, r.stderr)
})
