#!/usr/bin/env node
// Builds mgnode's addon for every target this Linux x86-64 machine can build,
// and prints a table: target, built or not (and why not), size, and for Linux
// glibc targets the newest GLIBC_x.y symbol version the binary needs.
//
//   npm run build:cross                                   every target
//   npm run build:cross -- --target aarch64-unknown-linux-gnu [--target ...]
//   npm run build:cross -- --no-setup                    do not install toolchains
//
// How each target is built:
// - Linux (glibc and musl) and macOS: zig as the C compiler and linker, through
//   cargo-zigbuild (both from pip: `ziglang`, `cargo-zigbuild`), driven by
//   `napi build -x`. glibc targets are linked against glibc 2.17
//   (`<triple>.2.17`), so they load on any distribution from 2014 on; the
//   table's glibc column checks it. (napi-rs's own 2.17 gcc toolchain,
//   `napi build --use-napi-cross`, needs @napi-rs/lzma, whose Linux binary
//   wants Node >= 22.20, so it is not used.)
// - Windows MSVC: not here (see MSVC_REASON); built on Windows runners by
//   .github/workflows/release.yml.
// - x86_64-pc-windows-gnu is built too, with zig, as a local check that the
//   engine compiles for Windows (scripts/test-wine.mjs runs it under Wine);
//   it is not published. Two things napi-rs and mimalloc expect of a GNU
//   Windows toolchain are supplied here, see windowsGnuEnv().
//
// Published targets go to artifacts/<platform>/, where `napi artifacts` finds
// them; logs to target/cross/logs/. Exits non-zero if a build tried here failed.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { looksLikeBinaryFor, root, targets } from './lib/packages.mjs'

const GLIBC_FLOOR = '2.17'
const LOCAL_CHECKS = [{ triple: 'x86_64-pc-windows-gnu', id: 'win32-x64-gnu', platform: 'win32', abi: 'gnu', binary: 'mgnode.win32-x64-gnu.node' }]
const MSVC_NOTE = 'MSVC libraries not available here (see below); built on a Windows runner by release.yml'
const MSVC_REASON =
  'MSVC targets are not built here: linking them needs Microsoft\'s C runtime and Windows SDK import libraries, which come\n' +
  'with Visual Studio under Microsoft\'s license and from no package registry (cargo-xwin would download them from\n' +
  'Microsoft\'s servers, accepting that license). .github/workflows/release.yml builds them on Windows runners, where\n' +
  'MSVC is installed; x86_64-pc-windows-gnu is built here instead, as a check that the engine compiles for Windows\n' +
  '(npm run test:wine runs it under Wine).'

const logDir = path.join(root, 'target', 'cross', 'logs')
const napiCli = path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')

function parseArgs(argv) {
  const opts = { targets: [], setup: true }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--target' || a === '-t') opts.targets.push(argv[++i])
    else if (a === '--no-setup') opts.setup = false
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/build-cross.mjs [--target <triple>]... [--no-setup]')
      process.exit(0)
    } else throw new Error(`unknown option ${a}`)
  }
  return opts
}

/** Runs a command with output to `log` (appended); returns its exit status. */
function run(cmd, args, { log, env = process.env } = {}) {
  const fd = log ? fs.openSync(log, 'a') : 'inherit'
  if (log) fs.writeSync(fd, `\n$ ${cmd} ${args.join(' ')}\n`)
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: ['ignore', fd, fd] })
  if (log) fs.closeSync(fd)
  return r.error ? 127 : r.status
}

function works(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'ignore' })
  return !r.error && r.status === 0
}

/** Makes zig and cargo-zigbuild available: already on PATH, or pip-installed into a venv under target/. */
function setupZig(env) {
  const zigWorks = () => works('zig', ['version']) || works('python3', ['-m', 'ziglang', 'version'])
  if (works('cargo-zigbuild', ['--version']) && zigWorks()) return null
  const venv = path.join(root, 'target', 'cross', 'venv')
  const bin = path.join(venv, 'bin')
  if (!fs.existsSync(path.join(bin, 'cargo-zigbuild'))) {
    console.log('installing ziglang and cargo-zigbuild with pip into target/cross/venv')
    if (run('python3', ['-m', 'venv', venv]) !== 0) return 'python3 -m venv failed (Debian: apt-get install python3-venv)'
    if (run(path.join(bin, 'python3'), ['-m', 'pip', 'install', '--quiet', 'ziglang', 'cargo-zigbuild']) !== 0) return 'pip install ziglang cargo-zigbuild failed'
  }
  env.PATH = `${bin}${path.delimiter}${env.PATH}`
  process.env.PATH = env.PATH
  return works('cargo-zigbuild', ['--version']) && zigWorks() ? null : 'cargo-zigbuild or zig does not run after installing them'
}

/** The first line of a failed build's log that says why, with the file or place the compiler named. */
function reasonFromLog(log) {
  const lines = fs.readFileSync(log, 'utf8').split('\n')
  // Most telling first: a C error names its file on the same line, a Rust error on the next ones.
  const patterns = [
    [/([\w./-]+\.[ch]):\d+:\d+: ((fatal )?error: .*)/, (m) => `${m[2]} (${path.basename(m[1])})`],
    [/(error: undefined symbol: .*|undefined reference to .*)/, (m) => m[1]],
    [/^(error(\[E\d+\])?: (?!could not compile|aborting|failed to run custom build).*)/, (m, i) => {
      const where = lines.slice(i + 1, i + 4).find((l) => /^\s*--> /.test(l))
      return where ? `${m[1]} (${where.trim().slice(4)})` : m[1]
    }],
    [/(error: .*)/, (m) => m[1]],
  ]
  for (const [re, text] of patterns) {
    for (let i = 0; i < lines.length; i++) {
      const m = re.exec(lines[i])
      if (m) return text(m, i).replace(/\s+/g, ' ').slice(0, 200)
    }
  }
  return `failed; see ${path.relative(root, log)}`
}

/** Removes the empty `a.o` zig's macOS builds leave in the crate folders (where cc-rs runs). */
function removeStrayObjects() {
  for (const crate of fs.readdirSync(path.join(root, 'crates'))) {
    const stray = path.join(root, 'crates', crate, 'a.o')
    if (fs.existsSync(stray) && fs.statSync(stray).size === 0) fs.rmSync(stray)
  }
}

/** Newest GLIBC_x.y version the binary refers to, from readelf (any ELF, any architecture). */
function glibcNeeded(file) {
  const r = spawnSync('readelf', ['--dyn-syms', '--version-info', '--wide', file], { encoding: 'utf8' })
  if (r.error || r.status !== 0) return '?'
  const versions = [...new Set(r.stdout.match(/GLIBC_\d+(\.\d+)+/g) ?? [])].map((v) => v.slice(6))
  versions.sort(compareVersions)
  return versions.at(-1) ?? '-'
}

/** The shared libraries an ELF binary needs (readelf -d). */
function needed(file) {
  const r = spawnSync('readelf', ['-d', file], { encoding: 'utf8' })
  return r.error || r.status !== 0 ? [] : [...r.stdout.matchAll(/\(NEEDED\).*\[(.+)\]/g)].map((m) => m[1])
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

function size(bytes) {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`
}

/**
 * The environment for the windows-gnu check. napi-build's GNU path insists on
 * a libnode.dll and links `-lnode`; the addon needs nothing from it (on
 * windows-gnu it looks N-API up in node.exe when it loads, as MSVC builds do:
 * crates/mgnode/Cargo.toml), so an empty archive satisfies the link and an
 * empty file the check. zig's clang makes `__DATE__` an error
 * (-Werror=date-time, for reproducible builds), which mimalloc's Windows code
 * uses; that is relaxed to a warning for this target only.
 */
function windowsGnuEnv(env, triple) {
  const dir = path.join(root, 'target', 'cross', 'libnode')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'libnode.a'), '!<arch>\n')
  fs.writeFileSync(path.join(dir, 'libnode.dll'), '')
  return { ...env, LIBNODE_PATH: dir, [`CFLAGS_${triple.replaceAll('-', '_')}`]: '-Wno-error=date-time' }
}

/** Builds one target; returns its row of the table. */
function build(t, env, zigProblem, published) {
  const row = { target: t.triple, pkg: published ? t.packageName : '(local check)', result: '', size: '', glibc: '', note: '' }
  if (t.abi === 'msvc') return { ...row, result: 'not here', note: MSVC_NOTE }
  if (zigProblem) return { ...row, result: 'not built', note: `no cross toolchain: ${zigProblem}` }
  const outDir = published ? path.join(root, 'artifacts', t.id) : path.join(root, 'target', 'cross', t.id)
  const out = path.join(outDir, t.binary)
  fs.rmSync(out, { force: true })
  fs.mkdirSync(outDir, { recursive: true })
  const log = path.join(logDir, `${t.triple}.log`)
  fs.writeFileSync(log, '')
  console.log(`building ${t.triple} (log: ${path.relative(root, log)})`)

  if (run('rustup', ['target', 'add', t.triple], { log, env }) !== 0) return { ...row, result: 'not built', note: `rustup target add ${t.triple} failed` }
  let status
  if (t.platform === 'win32') {
    // napi build -x sends Windows targets to cargo-xwin (MSVC only), so the gnu check calls cargo-zigbuild itself.
    status = run('cargo', ['zigbuild', '--release', '-p', 'mgnode', '--target', t.triple], { log, env: windowsGnuEnv(env, t.triple) })
    const dll = path.join(root, 'target', t.triple, 'release', 'mgnode.dll')
    if (status === 0 && fs.existsSync(dll)) fs.copyFileSync(dll, out)
  } else {
    const zigTarget = t.abi === 'gnu' ? `${t.triple}.${GLIBC_FLOOR}` : t.triple
    const dts = `${t.id}.d.ts`
    status = run(process.execPath, [napiCli, 'build', '--platform', '--release', '-x', '--target', zigTarget, '--manifest-path', 'crates/mgnode/Cargo.toml', '--output-dir', outDir, '--no-js', '--dts', dts], { log, env })
    fs.rmSync(path.join(outDir, dts), { force: true })
  }
  removeStrayObjects()
  if (status !== 0 || !fs.existsSync(out)) return { ...row, result: 'FAILED', note: reasonFromLog(log) }

  row.size = size(fs.statSync(out).size)
  if (!looksLikeBinaryFor(out, t.platform)) return { ...row, result: 'FAILED', note: `${t.binary} is not a ${t.platform} binary` }
  row.result = 'built'
  if (t.platform === 'linux' && t.abi === 'gnu') {
    row.glibc = glibcNeeded(out)
    if (row.glibc === '?' || compareVersions(row.glibc, GLIBC_FLOOR) > 0) {
      row.result = 'FAILED'
      row.note = `needs GLIBC_${row.glibc}, above the ${GLIBC_FLOOR} floor`
    }
  }
  if (t.platform === 'linux' && t.abi === 'musl') {
    row.glibc = 'musl'
    const libs = needed(out)
    if (libs.some((l) => l.startsWith('libc.so.') || l.startsWith('ld-linux'))) {
      row.result = 'FAILED'
      row.note = `links glibc: ${libs.join(', ')}`
    }
  }
  if (!row.note) row.note = path.relative(root, out)
  return row
}

function printTable(rows) {
  const head = ['target', 'package', 'result', 'size', 'glibc', 'note']
  const body = rows.map((r) => [r.target, r.pkg, r.result, r.size, r.glibc, r.note])
  const line = (cells) => `| ${cells.join(' | ')} |`
  console.log('')
  console.log(line(head))
  console.log(line(head.map(() => '---')))
  for (const cells of body) console.log(line(cells))
}

const opts = parseArgs(process.argv.slice(2))
const published = targets()
const all = [...published.map((t) => ({ ...t, published: true })), ...LOCAL_CHECKS.map((t) => ({ ...t, published: false }))]
const chosen = opts.targets.length ? all.filter((t) => opts.targets.includes(t.triple)) : all
const unknown = opts.targets.filter((x) => !all.some((t) => t.triple === x))
if (unknown.length) {
  console.error(`build-cross: unknown target ${unknown.join(', ')}; known: ${all.map((t) => t.triple).join(', ')}`)
  process.exit(2)
}
if (!fs.existsSync(path.join(root, 'vendor', 'mongoose', 'mongoose.c')) && !process.env.MONGOOSE_SRC_DIR) {
  console.error('build-cross: Mongoose source missing; run `npm run fetch-mongoose` first')
  process.exit(1)
}

fs.mkdirSync(logDir, { recursive: true })
const env = { ...process.env }
const zigProblem = chosen.some((t) => t.abi !== 'msvc') ? (opts.setup ? setupZig(env) : works('cargo-zigbuild', ['--version']) ? null : 'cargo-zigbuild not found (run without --no-setup)') : null

const rows = chosen.map((t) => build(t, env, zigProblem, t.published))
printTable(rows)
if (rows.some((r) => r.note === MSVC_NOTE)) console.log(`\n${MSVC_REASON}`)
const failed = rows.filter((r) => r.result === 'FAILED' || r.result === 'not built')
console.log(`\n${rows.filter((r) => r.result === 'built').length} built, ${failed.length} failed, ${rows.filter((r) => r.result === 'not here').length} left to the release workflow`)
process.exitCode = failed.length ? 1 : 0
