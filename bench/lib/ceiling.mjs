// The C ceiling: plain C on the same Mongoose source, built for the run.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { BENCH, ROOT } from './paths.mjs'
import { which } from './environment.mjs'

/** Builds bench/c/<file> against vendor/mongoose with gcc -O2; returns the binary or why not. */
export function buildC(file, tmp) {
  const src = path.join(BENCH, 'c', file)
  const mg = path.join(ROOT, 'vendor', 'mongoose')
  const out = path.join(tmp, path.basename(file, '.c'))
  if (fs.existsSync(out)) return { binary: out }
  if (!fs.existsSync(path.join(mg, 'mongoose.c'))) return { reason: 'vendor/mongoose is missing (npm run build fetches it)' }
  if (!which('gcc')) return { reason: 'gcc is not installed' }
  // The engine's own build flags (crates/mongoose-sys/build.rs), minus TLS and IPv6.
  const args = [
    '-O2', '-DMG_ENABLE_EPOLL=0', '-DMG_ENABLE_POLL=1', '-DMG_ENABLE_LOG=0', '-DMG_IO_SIZE=32768',
    '-DMG_SOCK_LISTEN_BACKLOG_SIZE=511', `-I${mg}`, '-o', out, src, path.join(mg, 'mongoose.c'),
  ]
  const r = spawnSync('gcc', args, { encoding: 'utf8' })
  if (r.status !== 0) return { reason: `gcc failed: ${(r.stderr || '').split('\n').slice(0, 3).join(' ')}` }
  return { binary: out }
}
