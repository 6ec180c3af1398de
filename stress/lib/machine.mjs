// The machine and build a stress run describes.
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

export function machine() {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memory: os.totalmem(),
    kernel: os.release(),
    node: process.version,
    load: os.loadavg().map((v) => Number(v.toFixed(2))),
    commit: git(['rev-parse', '--short', 'HEAD']),
    // Changes to the code a run measures (not to docs or results).
    dirty: (git(['status', '--porcelain', '--', 'src', 'crates', 'stress/run.mjs', 'stress/lib', 'stress/checks', 'stress/servers']) ?? '') !== '',
  }
}
