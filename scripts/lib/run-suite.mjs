// Runs the ava suite with a chosen Node binary (and, for binaries this machine
// cannot exec directly, a launcher put in front of it: see node-launcher.cjs),
// echoing ava's output and keeping it in target/test-logs/<name>.log.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { avaCli } from './node-binaries.mjs'
import { root } from './packages.mjs'

const launcherPreload = path.join(root, 'scripts', 'lib', 'node-launcher.cjs')

/** The engine, TLS, Node-app and workers tests: what runs the engine on its platform. */
export function engineTestFiles() {
  return fs
    .readdirSync(path.join(root, '__test__'))
    .filter((f) => /^(engine-.*|node-.*|workers.*|tls)\.test\.mjs$/.test(f))
    .sort()
    .map((f) => path.join('__test__', f))
}

/** Runs `tsc` once if dist/ is missing (the tests import ../dist/index.js). */
export function ensureDist() {
  if (fs.existsSync(path.join(root, 'dist', 'index.js'))) return
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) throw new Error('tsc failed')
}

/**
 * Runs ava. `node`: the Node binary; `launcher`: command words before it
 * (empty to run it directly); `env`: added to the environment; `files`: test
 * files (all when empty); `avaArgs`: more ava options. Resolves with
 * { status, summary } where summary holds ava's closing count lines.
 */
export function runAva({ name, node, launcher = [], env = {}, files = [], avaArgs = [] }) {
  const logDir = path.join(root, 'target', 'test-logs')
  fs.mkdirSync(logDir, { recursive: true })
  const log = fs.createWriteStream(path.join(logDir, `${name}.log`))
  const childEnv = { ...process.env, ...env }
  if (launcher.length > 0) {
    childEnv.MGNODE_NODE_LAUNCHER = JSON.stringify(launcher)
    childEnv.MGNODE_NODE_BINARY = node
    childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --require=${launcherPreload}`.trim()
  }
  const [cmd, ...args] = [...launcher, node, avaCli, ...avaArgs, ...files]
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let tail = ''
    // ava prints no count of passed tests when some failed: count its marks.
    const counts = { passed: 0, failed: 0, skipped: 0 }
    let partial = ''
    const echo = (out) => (chunk) => {
      out.write(chunk)
      log.write(chunk)
      tail = (tail + chunk.toString()).slice(-20000)
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop()
      for (const line of lines) {
        if (/^\s*✔/.test(line)) counts.passed++
        else if (/^\s*✘/.test(line)) counts.failed++
        else if (/^\s*- \[skip\]/.test(line)) counts.skipped++
      }
    }
    child.stdout.on('data', echo(process.stdout))
    child.stderr.on('data', echo(process.stderr))
    child.on('close', (code, signal) => {
      log.end()
      const summary = tail
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^\d+ (tests?|known failures?|uncaught exceptions?|unhandled rejections?|tests? remained pending|tests? were? todo) ?(passed|failed|skipped|todo)?/.test(l))
      resolve({ status: code ?? (signal ? 1 : 0), summary, counts, log: path.relative(root, log.path) })
    })
  })
}

/**
 * The binary scripts/build-cross.mjs makes for `triple` (artifacts/<id>/ for
 * published targets, target/cross/<id>/ for local checks), built first if
 * missing and `build` allows.
 */
export function crossBinary(triple, { id, build = true }) {
  const published = !triple.endsWith('-windows-gnu')
  const file = path.join(root, published ? 'artifacts' : path.join('target', 'cross'), id, `mgnode.${id}.node`)
  if (!fs.existsSync(file)) {
    if (!build) throw new Error(`${path.relative(root, file)} is missing: run npm run build:cross -- --target ${triple}`)
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-cross.mjs'), '--target', triple], { cwd: root, stdio: 'inherit' })
    if (r.status !== 0 || !fs.existsSync(file)) throw new Error(`building ${triple} failed`)
  }
  return file
}

/** Prints the closing lines of each run, one block per run. */
export function printSummary(title, runs) {
  console.log(`\n${title}`)
  for (const r of runs) {
    const { passed, failed, skipped } = r.counts
    console.log(`- ${r.label}: ${passed} passed, ${failed} failed, ${skipped} skipped; ava: ${r.summary.join(', ') || `exit ${r.status}`} (log: ${r.log})`)
  }
}
