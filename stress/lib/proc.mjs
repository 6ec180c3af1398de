// What a process uses, read from /proc (Linux), and its descriptor limit
// changed with prlimit.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'

const TICKS_PER_SECOND = 100

/** Resident memory of `pid` in bytes. */
export function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}

/** Open file descriptors of `pid`. */
export function fds(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length
}

/** CPU time (user + system, all threads) `pid` has used, in seconds. */
export function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name; utime and stime are the 14th and 15th of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** `{ soft, hard }` limit on open files of `pid`. */
export function fdLimit(pid = process.pid) {
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'))
  const n = (v) => (v === 'unlimited' ? Infinity : Number(v))
  return { soft: n(m[1]), hard: n(m[2]) }
}

/** Sets `pid`'s limit on open files (soft and hard) with prlimit; true if it took. */
export function setFdLimit(pid, soft, hard = soft) {
  const r = spawnSync('prlimit', ['--pid', String(pid), `--nofile=${soft}:${hard}`], { stdio: 'ignore' })
  return r.status === 0 && fdLimit(pid).soft === soft
}

/** Raises `pid`'s soft limit on open files to at least `want` (up to its hard limit); the soft limit after. */
export function raiseFdLimit(pid, want) {
  const { soft, hard } = fdLimit(pid)
  if (soft >= want) return soft
  const target = Math.min(want, hard)
  setFdLimit(pid, target, hard === Infinity ? 'unlimited' : hard)
  return fdLimit(pid).soft
}

/** True where prlimit and /proc are there to use. */
export function canMeasure() {
  return process.platform === 'linux' && spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0
}
