#!/usr/bin/env node
// Puts the pinned Mongoose 7.23 source (mongoose.c, mongoose.h, LICENSE) into
// vendor/mongoose/, which is git-ignored: Mongoose's source is never committed.
//
// Source: the cymongoose 0.2.5 source distribution, downloaded with pip by
// package name; it carries Mongoose under cymongoose-0.2.5/thirdparty/mongoose/.
// The archive and the two source files are checked against pinned sha256 sums.
//
// MONGOOSE_SRC_DIR=/some/dir  use mongoose.c/mongoose.h from that folder
//                             instead (a checksum mismatch only warns).
// PYTHON=/path/to/python      interpreter used to run pip (default python3).
//
// No npm dependencies: only Node's standard library, pip and tar.

import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const PKG = 'cymongoose'
const PKG_VERSION = '0.2.5'
const MONGOOSE_VERSION = '7.23'
const ARCHIVE = `${PKG}-${PKG_VERSION}.tar.gz`
const ARCHIVE_SHA256 = '8c0ec19752d493702c566735a28918f1b81a756197f78e4931c566dbad849a8f'
const MEMBER_DIR = `${PKG}-${PKG_VERSION}/thirdparty/mongoose`
const SOURCES = {
  'mongoose.c': '651d514ee52761c26af774d74e91346bf150c915120d967ec4332a69ea1600f5',
  'mongoose.h': '0ee23157099964b7ca1c7bf3e02b1b8250cbd7838a6938fed63726e720f70b0b',
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dest = path.join(root, 'vendor', 'mongoose')
const rel = (p) => path.relative(process.cwd(), p) || '.'

class FetchError extends Error {}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

function isFile(file) {
  try {
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

// Names of the pinned sources in `dir` whose checksum differs (or that are missing).
function mismatches(dir) {
  return Object.entries(SOURCES)
    .filter(([name, sum]) => !isFile(path.join(dir, name)) || sha256(path.join(dir, name)) !== sum)
    .map(([name]) => name)
}

function headerVersion(dir) {
  const m = /#define\s+MG_VERSION\s+"([^"]+)"/.exec(fs.readFileSync(path.join(dir, 'mongoose.h'), 'utf8'))
  return m ? m[1] : 'unknown'
}

// Copies `names` from `srcDir` to vendor/mongoose, each through a temporary
// file and a rename so an interrupted run never leaves a half-written file.
function install(srcDir, names) {
  fs.mkdirSync(dest, { recursive: true })
  for (const name of names) {
    const tmp = path.join(dest, `.${name}.partial`)
    fs.copyFileSync(path.join(srcDir, name), tmp)
    fs.renameSync(tmp, path.join(dest, name))
  }
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.error) {
    if (r.error.code === 'ENOENT') throw new FetchError(`${what}: command not found: ${cmd}`)
    throw new FetchError(`${what}: ${r.error.message}`)
  }
  if (r.status !== 0) {
    const output = `${r.stdout || ''}${r.stderr || ''}`.trim()
    throw new FetchError(`${what} failed (exit ${r.status ?? r.signal}):\n${output}`)
  }
  return r
}

function findPython() {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', 'python']
  for (const py of candidates) {
    const r = spawnSync(py, ['-m', 'pip', '--version'], { encoding: 'utf8' })
    if (!r.error && r.status === 0) return py
  }
  throw new FetchError(
    `pip is needed to download Mongoose but \`${candidates.join('` / `')} -m pip\` does not work.\n` +
      'Install Python 3 with pip (Debian/Ubuntu: apt-get install python3-pip), set PYTHON=/path/to/python,\n' +
      'or point MONGOOSE_SRC_DIR at a folder holding mongoose.c and mongoose.h.',
  )
}

function useOverride(dir) {
  const src = path.resolve(dir)
  const missing = Object.keys(SOURCES).filter((name) => !isFile(path.join(src, name)))
  if (missing.length) {
    throw new FetchError(`MONGOOSE_SRC_DIR=${dir}: missing ${missing.join(', ')} in ${src}`)
  }
  const differ = mismatches(src)
  if (differ.length) {
    const verb = differ.length === 1 ? 'differs' : 'differ'
    console.warn(
      `fetch-mongoose: warning: ${differ.join(', ')} in MONGOOSE_SRC_DIR ${verb} from the pinned ` +
        `Mongoose ${MONGOOSE_VERSION} (found MG_VERSION "${headerVersion(src)}"); using them anyway`,
    )
  }
  const names = Object.keys(SOURCES)
  if (isFile(path.join(src, 'LICENSE'))) names.push('LICENSE')
  else fs.rmSync(path.join(dest, 'LICENSE'), { force: true })
  install(src, names)
  return `copied ${names.join(', ')} from MONGOOSE_SRC_DIR=${src} into ${rel(dest)}`
}

function download() {
  const python = findPython()
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-mongoose-'))
  try {
    const started = Date.now()
    // --no-binary is limited to cymongoose itself: pip must fetch the source
    // distribution, but may install its build requirements (needed only for
    // pip's metadata step) from wheels. `--no-binary :all:` would compile
    // Cython from source first, which takes minutes.
    run(
      python,
      [
        '-m', 'pip', 'download',
        '--no-deps',
        '--no-binary', PKG,
        '--no-input',
        '--disable-pip-version-check',
        '--dest', tmp,
        `${PKG}==${PKG_VERSION}`,
      ],
      `pip download ${PKG}==${PKG_VERSION}`,
    )
    const archive = path.join(tmp, ARCHIVE)
    if (!isFile(archive)) {
      const got = fs.readdirSync(tmp).join(', ') || 'nothing'
      throw new FetchError(`pip did not produce ${ARCHIVE} (got: ${got})`)
    }
    const archiveSum = sha256(archive)
    if (archiveSum !== ARCHIVE_SHA256) {
      throw new FetchError(
        `checksum mismatch for ${ARCHIVE}:\n  expected ${ARCHIVE_SHA256}\n  got      ${archiveSum}\n` +
          'Refusing to use it.',
      )
    }

    const out = path.join(tmp, 'x')
    fs.mkdirSync(out)
    run('tar', ['-xzf', archive, '-C', out, MEMBER_DIR], `extracting ${MEMBER_DIR} from ${ARCHIVE}`)
    const src = path.join(out, ...MEMBER_DIR.split('/'))
    const bad = mismatches(src)
    if (bad.length) {
      throw new FetchError(`${bad.join(', ')} from ${ARCHIVE} missing or not matching the pinned sha256`)
    }
    const names = Object.keys(SOURCES)
    if (isFile(path.join(src, 'LICENSE'))) names.push('LICENSE')
    install(src, names)
    const secs = ((Date.now() - started) / 1000).toFixed(1)
    return `fetched Mongoose ${MONGOOSE_VERSION} from ${PKG} ${PKG_VERSION} via pip (sha256 verified, ${secs}s) into ${rel(dest)}`
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

function main() {
  const override = process.env.MONGOOSE_SRC_DIR
  if (override) return useOverride(override)
  if (mismatches(dest).length === 0) {
    return `Mongoose ${MONGOOSE_VERSION} already in ${rel(dest)} (sha256 verified), nothing to do`
  }
  return download()
}

try {
  console.log(`fetch-mongoose: ${main()}`)
} catch (err) {
  const msg = err instanceof FetchError ? err.message : err && err.stack ? err.stack : String(err)
  console.error(`fetch-mongoose: error: ${msg}`)
  process.exitCode = 1
}
