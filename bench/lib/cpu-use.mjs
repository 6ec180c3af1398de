// CPU use during a run: the whole machine (/proc/stat), the server's process
// tree, the load generator, the runner, and what is left, which someone else
// used (steal time of the virtual machine included: another guest had the
// core). Also names the other processes that used the most.
//
// Interrupt work (the irq and softirq columns, and the ksoftirqd threads it
// spills into) is counted apart and not as someone else's: on loopback it is
// mostly the run's own network traffic.
//
// The load generator's share comes from the runner's cutime/cstime: it is the
// runner's only child reaped during a run (servers outlive their runs), and a
// reaped child's CPU time is added there exactly.
import fs from 'node:fs'
import { processTree } from './memory.mjs'
import { sleep } from './processes.mjs'
import { FOREIGN_CPU_LIMIT } from './method.mjs'

const CLK_TCK = 100 // USER_HZ, the unit of /proc/stat and /proc/<pid>/stat

/**
 * Ticks of the whole machine: `tasks` (user, nice, system and steal: what
 * processes, or another guest, used), `irq` (irq + softirq) and `steal` alone.
 */
function machineTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal
    const steal = f[7] || 0
    return { tasks: f[0] + f[1] + f[2] + steal, irq: f[5] + f[6], steal }
  } catch {
    return null
  }
}

const isSoftirqThread = (comm) => comm.startsWith('ksoftirqd/')

/** Kernel workers by what they work on ("kworker/u8:3-writeback" -> "kworker writeback"), others as named. */
function commandName(comm) {
  const m = /^kworker\/[^-]*-?(.*)$/.exec(comm)
  return m ? `kworker${m[1] ? ` ${m[1]}` : ''}` : comm
}

/**
 * { comm, start, self: utime + stime, children: cutime + cstime } of one
 * process, in ticks; null when gone. `start` tells a reused pid apart (a
 * kernel worker's comm changes with its work, so the name cannot).
 */
function procStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = stat.lastIndexOf(')')
    const f = stat.slice(close + 2).split(' ').map(Number)
    // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17, starttime 22.
    return { comm: stat.slice(stat.indexOf('(') + 1, close), start: f[19], self: f[11] + f[12], children: f[13] + f[14] }
  } catch {
    return null
  }
}

/** Own ticks (self + reaped children) of every process in a tree, by pid. */
function treeTicks(pids) {
  const out = new Map()
  for (const p of pids) {
    const s = procStat(p)
    if (s) out.set(p, s.self + s.children)
  }
  return out
}

/** Every process on the machine: pid -> { comm, self }. */
function allProcesses() {
  const out = new Map()
  let entries = []
  try {
    entries = fs.readdirSync('/proc')
  } catch {
    return out
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue
    const s = procStat(Number(e))
    if (s) out.set(Number(e), s)
  }
  return out
}

const cores = (ticks, seconds) => Math.round((ticks / CLK_TCK / seconds) * 1000) / 1000

/**
 * Starts accounting one run. stop(), called after the load generator has
 * exited, returns cores' worth of CPU (averaged over the run): machine (all
 * of it), steal, irq (interrupt work), server (null without a local server),
 * load, runner, foreign, and `others`: the (at most three) busiest other
 * commands.
 */
export function cpuMeter(serverRoot = null) {
  const t0 = process.hrtime.bigint()
  const machine0 = machineTicks()
  const tree0 = serverRoot ? treeTicks(processTree(serverRoot)) : new Map()
  const runner0 = procStat(process.pid)
  const all0 = allProcesses()
  return {
    stop() {
      const machine1 = machineTicks()
      const runner1 = procStat(process.pid)
      const pids = serverRoot ? processTree(serverRoot) : []
      const tree1 = treeTicks(pids)
      const all1 = allProcesses()
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      if (!machine0 || !machine1 || !runner0 || !runner1 || seconds <= 0) return null
      let server = 0
      for (const [pid, t] of tree1) server += t - (tree0.get(pid) ?? 0)
      const load = runner1.children - runner0.children
      const runner = runner1.self - runner0.self
      const tasks = machine1.tasks - machine0.tasks
      const irq = machine1.irq - machine0.irq
      const ours = new Set([process.pid, ...pids, ...tree0.keys()])
      const byName = new Map()
      let softirqThreads = 0
      for (const [pid, s] of all1) {
        if (ours.has(pid)) continue
        const before = all0.get(pid)
        // A pid that was not there before started during the run (reuse aside).
        const used = s.self - (before && before.start === s.start ? before.self : 0)
        if (used <= 0) continue
        if (isSoftirqThread(s.comm)) softirqThreads += used
        else byName.set(commandName(s.comm), (byName.get(commandName(s.comm)) || 0) + used)
      }
      const others = [...byName]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([name, t]) => ({ name, cores: cores(t, seconds) }))
        .filter((o) => o.cores >= 0.02)
      return {
        seconds: Math.round(seconds * 1000) / 1000,
        machine: cores(tasks + irq, seconds),
        steal: cores(machine1.steal - machine0.steal, seconds),
        irq: cores(irq + softirqThreads, seconds),
        server: serverRoot ? cores(server, seconds) : null,
        load: cores(load, seconds),
        runner: cores(runner, seconds),
        foreign: Math.max(0, cores(tasks - softirqThreads - server - load - runner, seconds)),
        others,
      }
    },
  }
}

/** Cores' worth of CPU others are using right now, over `ms` (our servers, idle, excluded). */
export async function busyCores(ms = 500, roots = []) {
  const pids = [process.pid, ...roots.flatMap((p) => processTree(p))]
  const ours = () => pids.reduce((t, p) => {
    const s = procStat(p)
    return t + (s ? s.self + s.children : 0)
  }, 0)
  const a = machineTicks()
  const ours0 = ours()
  await sleep(ms)
  const b = machineTicks()
  if (!a || !b) return null
  return Math.max(0, (b.tasks - a.tasks - (ours() - ours0)) / CLK_TCK / (ms / 1000))
}

/** Waits up to `seconds` for the machine to be quiet; returns the last reading. */
export async function waitQuiet(seconds, log, roots) {
  const deadline = Date.now() + seconds * 1000
  let busy = await busyCores(300, roots)
  if (busy === null || busy <= FOREIGN_CPU_LIMIT) return busy
  log(`  other processes are using ${busy.toFixed(2)} cores: waiting up to ${seconds}s for them`)
  while (Date.now() < deadline) {
    busy = await busyCores(500, roots)
    if (busy <= FOREIGN_CPU_LIMIT) return busy
  }
  log(`  still busy (${busy.toFixed(2)} cores): going on, disturbed runs will be flagged`)
  return busy
}
