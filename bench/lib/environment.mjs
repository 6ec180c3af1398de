// The machine the run happens on: the load generator, versions, commit.
import { spawnSync, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT, require } from './paths.mjs'

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

/** wrk when it is there or can be installed with apt-get; otherwise autocannon. */
export function chooseTool(requested) {
  if (requested !== 'autocannon') {
    if (which('wrk')) return 'wrk'
    const root = typeof process.getuid === 'function' && process.getuid() === 0
    if (root && which('apt-get')) {
      console.error('wrk is missing: installing it with apt-get')
      const install = () => spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
      if (install().status !== 0) {
        spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit' })
        install()
      }
      if (which('wrk')) return 'wrk'
    }
    if (requested === 'wrk') throw new Error('wrk is not installed and could not be installed (apt-get install wrk)')
    console.error('wrk is not available: falling back to autocannon')
  }
  try {
    require.resolve('autocannon/autocannon.js')
  } catch {
    throw new Error('neither wrk nor autocannon is available: apt-get install wrk, or npm install')
  }
  return 'autocannon'
}

export function toolVersion(tool) {
  if (tool === 'wrk') {
    const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
    return (r.stdout + r.stderr).split('\n')[0].replace(/\s+Copyright.*$/, '').trim()
  }
  return `autocannon ${require('autocannon/package.json').version}`
}

export function machine() {
  const cpus = os.cpus()
  let commit = null
  let dirty = false
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'crates'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
  } catch {}
  let mongoose = null
  try {
    mongoose = /#define MG_VERSION "([^"]+)"/.exec(fs.readFileSync(path.join(ROOT, 'vendor/mongoose/mongoose.h'), 'utf8'))[1]
  } catch {}
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0] ? cpus[0].model.trim() : 'unknown',
    memory: os.totalmem(),
    kernel: os.release(),
    commit,
    dirty,
    mongoose,
    versions: packageVersions(),
  }
}

function packageVersions() {
  const out = {}
  for (const name of ['express', 'koa', '@koa/router', 'fastify', 'hono', '@hono/node-server', '@trufflesuite/uws-js-unofficial', 'ultimate-express']) {
    try {
      out[name] = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
    } catch {
      out[name] = null
    }
  }
  return out
}
