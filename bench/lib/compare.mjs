// --compare REF: the other build. REF is checked out in a temporary git
// worktree and built there (`npm run build`: dist/ and the native addon), so
// that its mgnode servers can load it through BENCH_MGNODE_ROOT while the
// apps, frameworks and scenario scripts stay this checkout's.
//
// node_modules is linked from this checkout when REF's package-lock.json is
// the same (the usual case), and installed with `npm ci` otherwise. Cargo
// builds into target/bench-compare, kept between runs, so that only the
// crates that differ are compiled again.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT } from './paths.mjs'
import { lastLine } from './processes.mjs'

const BUILD_LIMIT_MS = 20 * 60_000

function git(args, opts = {}) {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', ...opts })
  if (r.status !== 0) throw new Error(`git ${args[0]} failed: ${lastLine(r.stderr || r.stdout)}`)
  return r.stdout.trim()
}

/** Runs a build step in `dir`, its output appended to `logFile`; throws with the log's tail on failure. */
function step(what, command, args, dir, logFile, env = {}) {
  const fd = fs.openSync(logFile, 'a')
  try {
    fs.writeSync(fd, `\n$ ${command} ${args.join(' ')}\n`)
    const r = spawnSync(command, args, { cwd: dir, stdio: ['ignore', fd, fd], env: { ...process.env, ...env }, timeout: BUILD_LIMIT_MS })
    if (r.status !== 0) {
      const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-8).join('\n    ')
      throw new Error(`${what} failed (${r.error ? r.error.message : r.signal || r.status}); the end of ${logFile}:\n    ${tail}`)
    }
  } finally {
    fs.closeSync(fd)
  }
}

/** The commit REF names: { sha, short, subject }; throws when it names none. */
export function resolveRef(ref) {
  if (ref.startsWith('-')) throw new Error(`--compare: ${ref} is not a commit`)
  let sha
  try {
    sha = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
  } catch {
    throw new Error(`--compare: git knows no commit ${ref}`)
  }
  return { sha, short: sha.slice(0, 7), subject: git(['log', '-1', '--format=%s', sha]) }
}

/**
 * Builds REF in a temporary worktree; resolves { sha, short, subject, dir,
 * remove() }. remove() deletes the worktree (call it in every case).
 */
export function buildRef(ref, log) {
  const commit = resolveRef(ref)
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('--compare: this checkout is not built (npm run build)')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mgnode-compare-${commit.short}-`))
  const logFile = path.join(os.tmpdir(), `mgnode-compare-${commit.short}.log`)
  fs.writeFileSync(logFile, `building ${commit.sha} (${commit.subject}) in ${dir}\n`)
  let added = false
  const remove = () => {
    if (added) {
      spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' })
      added = false
    }
    fs.rmSync(dir, { recursive: true, force: true })
    spawnSync('git', ['worktree', 'prune'], { cwd: ROOT, stdio: 'ignore' })
  }
  try {
    log(`compare: checking out ${commit.short} (${commit.subject}) in ${dir}`)
    git(['worktree', 'add', '--detach', '--quiet', dir, commit.sha])
    added = true
    const lockHere = readOrNull(path.join(ROOT, 'package-lock.json'))
    const lockThere = readOrNull(path.join(dir, 'package-lock.json'))
    if (lockHere !== null && lockHere === lockThere && fs.existsSync(path.join(ROOT, 'node_modules'))) {
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
      log('compare: same package-lock.json: using this checkout\'s node_modules')
    } else {
      log(`compare: package-lock.json differs: npm ci (log: ${logFile})`)
      step('npm ci', 'npm', ['ci', '--no-audit', '--no-fund'], dir, logFile)
    }
    // Mongoose's source is git-ignored: the same verified files as this checkout's.
    if (fs.existsSync(path.join(ROOT, 'vendor'))) fs.cpSync(path.join(ROOT, 'vendor'), path.join(dir, 'vendor'), { recursive: true })
    log(`compare: npm run build in the worktree (log: ${logFile})`)
    const t0 = Date.now()
    step('npm run build', 'npm', ['run', 'build'], dir, logFile, { CARGO_TARGET_DIR: path.join(ROOT, 'target', 'bench-compare') })
    if (!fs.existsSync(path.join(dir, 'dist', 'index.js'))) throw new Error(`--compare: the build of ${commit.short} left no dist/index.js (log: ${logFile})`)
    log(`compare: ${commit.short} built in ${Math.round((Date.now() - t0) / 1000)} s`)
    return { ...commit, dir, remove }
  } catch (err) {
    remove()
    throw err
  }
}

function readOrNull(file) {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}
