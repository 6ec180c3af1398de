import test from 'ava'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const fake = fileURLToPath(new URL('./fixtures/fake-machine.cjs', import.meta.url))
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))

/** Loads mgnode in a child that looks like another machine; returns what it threw (or null). */
function loadAs(env, code = `require(${JSON.stringify(path.join(root, 'dist', 'index.js'))})`) {
  const script = `
    try { ${code}; console.log('null') }
    catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message, supported: e.supported, packageName: e.packageName,
        platformId: e.platformId, inspected: require('node:util').inspect(e) }))
    }`
  const r = spawnSync(process.execPath, ['-r', fake, '-e', script], {
    env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '', ...env },
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1))
}

test('an unsupported platform: names it, the package it would need, says it is unsupported, and how to build from source', (t) => {
  const e = loadAs({ FAKE_PLATFORM: 'freebsd', FAKE_ARCH: 'x64' })
  t.is(e.code, 'ERR_MGNODE_NO_BINARY')
  t.is(e.platformId, 'freebsd-x64')
  t.is(e.packageName, 'mgnode-freebsd-x64')
  t.false(e.supported)
  t.regex(e.message, /freebsd-x64/)
  t.regex(e.message, /not a supported platform/)
  t.regex(e.message, /Prebuilt binaries exist for linux-x64-gnu, linux-arm64-gnu, /)
  t.regex(e.message, /build it from source/)
  t.regex(e.message, /npm run build/)
  t.notRegex(e.inspected, /npm has a bug/)
})

test('a supported platform whose package is missing: says which package and version to install', (t) => {
  const e = loadAs({ FAKE_PLATFORM: 'linux', FAKE_ARCH: 'arm64' })
  t.is(e.code, 'ERR_MGNODE_NO_BINARY')
  t.is(e.packageName, 'mgnode-linux-arm64-gnu')
  t.true(e.supported)
  t.regex(e.message, /linux-arm64-gnu \(Linux, arm64, glibc \d+\.\d+/)
  t.regex(e.message, /This is a supported platform/)
  t.true(e.message.includes(`npm install mgnode-linux-arm64-gnu@${pkg.version}`))
  t.notRegex(e.inspected, /npm has a bug/)
  // The load errors are kept as the cause, for whoever needs the detail.
  t.regex(e.inspected, /\[cause\]/)
})

test('macOS and Windows machines are named as napi-rs names their packages', (t) => {
  const mac = loadAs({ FAKE_PLATFORM: 'darwin', FAKE_ARCH: 'arm64' })
  t.is(mac.packageName, 'mgnode-darwin-arm64')
  t.true(mac.supported)
  t.regex(mac.message, /\(macOS, arm64;/)
  const win = loadAs({ FAKE_PLATFORM: 'win32', FAKE_ARCH: 'x64' })
  t.is(win.packageName, 'mgnode-win32-x64-msvc')
  t.true(win.supported)
})

test('on a musl system the musl package is named', (t) => {
  // The loader itself is asked directly: binding.js detects musl from /usr/bin/ldd, which a preload cannot fake.
  const loader = JSON.stringify(path.join(root, 'dist', 'native-loader.js'))
  const platform = JSON.stringify(path.join(root, 'dist', 'platform-id.js'))
  const e = loadAs(
    { FAKE_ARCH: 'arm64', FAKE_LIBC: 'musl' },
    `const m = require(${platform}).currentMachine(); throw require(${loader}).noBinaryError(m, require(${JSON.stringify(path.join(root, 'package.json'))}), { installed: false, localFile: false })`,
  )
  t.is(e.packageName, 'mgnode-linux-arm64-musl')
  t.true(e.supported)
  t.regex(e.message, /\(Linux, arm64, musl;/)
})

test('a binary that is there but does not load: gives the loader\'s reason, not "not installed"', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-bad-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const bad = path.join(dir, 'mgnode.linux-x64-gnu.node')
  fs.writeFileSync(bad, 'this is not a shared library')
  const e = loadAs({ NAPI_RS_NATIVE_LIBRARY_PATH: bad })
  t.is(e.code, 'ERR_MGNODE_NO_BINARY')
  t.true(e.message.includes(`NAPI_RS_NATIVE_LIBRARY_PATH is set to ${bad}, which could not be loaded: ${bad}:`))
  t.notRegex(e.message, /is not installed|not a supported platform/)
})

test('an installed package whose binary needs a newer glibc: says so', (t) => {
  const loader = JSON.stringify(path.join(root, 'dist', 'native-loader.js'))
  const failure = "/app/node_modules/mgnode-linux-x64-gnu/mgnode.linux-x64-gnu.node: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.99' not found"
  const e = loadAs(
    { FAKE_ARCH: 'x64' },
    `const l = require(${loader}); throw l.noBinaryError({ platform: 'linux', arch: 'x64', libc: 'gnu', glibc: '2.28' }, require(${JSON.stringify(path.join(root, 'package.json'))}), { installed: true, localFile: false, failure: ${JSON.stringify(failure)} })`,
  )
  t.true(e.message.includes(`The package mgnode-linux-x64-gnu@${pkg.version} is there but could not be loaded: ${failure}.`))
  t.regex(e.message, /needs a newer glibc than this system's 2\.28\./)
  t.notRegex(e.message, /not installed here/)
})

test('the CLI reports the same error and exits 1', (t) => {
  const r = spawnSync(process.execPath, ['-r', fake, path.join(root, 'bin', 'mgnode.js'), 'app.js'], {
    env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '', FAKE_PLATFORM: 'linux', FAKE_ARCH: 'ppc64' },
    encoding: 'utf8',
  })
  t.is(r.status, 1)
  t.regex(r.stderr, /mgnode-linux-ppc64-gnu/)
  t.regex(r.stderr, /not a supported platform/)
  t.notRegex(r.stderr, /npm has a bug/)
})

test('on this machine the binary loads', (t) => {
  t.is(loadAs({}), null)
})
