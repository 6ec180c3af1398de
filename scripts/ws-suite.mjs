// Runs ws's own server and client test files against node:http and against
// mgnode (through the preload), and prints both counts. ws's tests create
// servers with http.createServer, so the preload puts every one on mgnode.
//
//   node scripts/ws-suite.mjs /path/to/a/checkout/of/ws
//
// The checkout is not part of this repository: clone ws yourself (its lib/
// needs no install; mocha comes from this repository's devDependencies).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = process.argv[2]
if (!dir || !existsSync(path.join(dir, 'test', 'websocket-server.test.js'))) {
  console.error('usage: node scripts/ws-suite.mjs <ws checkout with test/websocket-server.test.js>')
  process.exit(2)
}
const files = ['test/websocket-server.test.js', 'test/websocket.test.js']
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js')

function run(label, preload) {
  // --exit: a hang after a failure must not stop the comparison; the time limit bounds the run.
  const args = [...preload, mocha, '--no-config', '--exit', '-t', '5000', '--reporter', 'spec', ...files]
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 600_000 })
  const out = `${r.stdout}\n${r.stderr}`
  const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(out)?.[1] ?? 0)
  // The spec listing names each failed test once by number, before the summary repeats the numbers.
  const failures = new Map()
  for (const m of out.matchAll(/^\s+(\d+)\) (.+)$/gm)) if (!failures.has(m[1])) failures.set(m[1], m[2])
  console.log(`${label}: ${count('passing')} passing, ${count('failing')} failing, ${count('pending')} pending${r.error ? ` (${r.error.message})` : ''}`)
  return { failures, out }
}

run('node:http', [])
const mg = run('mgnode', ['-r', path.join(root, 'register.js')])
if (mg.failures.size > 0) console.log(`mgnode failures:\n${[...mg.failures.values()].map((f) => `  - ${f}`).join('\n')}`)
