// Other load on the machine: CPU used by processes that are not part of the run.
//
// Other processes competing for the cores skew every figure. Each round
// measures the CPU time the whole machine spent (/proc/stat) minus what the
// server tree, wrk and this runner spent; what is left was someone else's.
import fs from 'node:fs'
import { processTree } from './memory.mjs'
import { sleep } from './processes.mjs'

const CLK_TCK = 100 // USER_HZ, the unit of /proc/stat and /proc/<pid>/stat

// Rounds in which other processes used more than this many cores are flagged.
export const FOREIGN_CPU_LIMIT = 0.15

function machineBusyTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    return f[0] + f[1] + f[2] + f[5] + f[6] + f[7]
  } catch {
    return null
  }
}

/** utime + stime (+ cutime + cstime with `children`) of one process, in ticks. */
function pidTicks(pid, children = false) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number)
    // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    return f[11] + f[12] + (children ? f[13] + f[14] : 0)
  } catch {
    return 0
  }
}

function treeTicks(pids) {
  let t = 0
  for (const p of pids) t += pidTicks(p, true)
  return t
}

/** Starts accounting; stop() returns the cores' worth of CPU used by unrelated processes. */
export function foreignCpu(rootPid) {
  const pids = processTree(rootPid)
  const t0 = Date.now()
  const machine0 = machineBusyTicks()
  const ours0 = treeTicks(pids) + pidTicks(process.pid, true)
  return {
    stop() {
      const machine1 = machineBusyTicks()
      if (machine0 === null || machine1 === null) return null
      const ours1 = treeTicks(processTree(rootPid).filter((p) => pids.includes(p))) + pidTicks(process.pid, true)
      const seconds = (Date.now() - t0) / 1000
      const foreign = machine1 - machine0 - (ours1 - ours0)
      return Math.max(0, foreign / CLK_TCK / seconds)
    },
  }
}

/** Cores' worth of CPU the machine is using right now, over `ms`. */
export async function busyCores(ms = 500, roots = []) {
  const pids = [process.pid, ...roots.flatMap((p) => processTree(p))]
  const ours = () => pids.reduce((t, p) => t + pidTicks(p), 0)
  const a = machineBusyTicks()
  const ours0 = ours()
  await sleep(ms)
  const b = machineBusyTicks()
  if (a === null || b === null) return null
  return Math.max(0, (b - a - (ours() - ours0)) / CLK_TCK / (ms / 1000))
}

/** Waits up to `seconds` for the machine to be quiet (idle servers do not count: they idle). */
export async function waitQuiet(seconds, log, roots) {
  const deadline = Date.now() + seconds * 1000
  let busy = await busyCores(300, roots)
  if (busy === null || busy <= FOREIGN_CPU_LIMIT) return
  log(`  other processes are using ${busy.toFixed(2)} cores: waiting up to ${seconds}s for them`)
  while (Date.now() < deadline) {
    busy = await busyCores(500, roots)
    if (busy <= FOREIGN_CPU_LIMIT) return
  }
  log(`  still busy (${busy.toFixed(2)} cores): going on, rounds will be flagged`)
}
