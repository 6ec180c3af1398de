// Pinning with taskset: the load generator on some CPUs, the servers on the
// others, so that they stop taking turns on the same cores. taskset execs its
// command, so the pid the runner sees is still the server's (or wrk's), and
// threads and child processes inherit the affinity.
import fs from 'node:fs'
import os from 'node:os'

/** '0-2,5' -> [0, 1, 2, 5] (sorted, without duplicates); throws on anything else. */
export function parseCpuList(text) {
  const out = new Set()
  for (const part of String(text).split(',')) {
    const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part)
    if (!m) throw new Error(`cannot read CPU list ${JSON.stringify(text)} (expected e.g. 1 or 2-3,6)`)
    const lo = Number(m[1])
    const hi = m[2] === undefined ? lo : Number(m[2])
    if (hi < lo) throw new Error(`CPU range ${part.trim()} runs backwards`)
    for (let c = lo; c <= hi; c++) out.add(c)
  }
  return [...out].sort((a, b) => a - b)
}

/** [0, 1, 2, 5] -> '0-2,5', the form taskset -c takes. */
export function formatCpuList(cpus) {
  const parts = []
  for (let i = 0; i < cpus.length; ) {
    let j = i
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`)
    i = j + 1
  }
  return parts.join(',')
}

/** The CPUs this machine has online. */
export function onlineCpus() {
  try {
    return parseCpuList(fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim())
  } catch {
    return os.cpus().map((_, i) => i)
  }
}

/**
 * The plan for --pin-load LIST: the load generator on LIST, the servers on
 * every other online CPU (none to pin when the servers run on another host).
 */
export function pinPlan(loadList, online, { localServers = true } = {}) {
  const load = parseCpuList(loadList)
  for (const c of load) if (!online.includes(c)) throw new Error(`--pin-load: CPU ${c} is not online (online: ${formatCpuList(online)})`)
  const server = localServers ? online.filter((c) => !load.includes(c)) : null
  if (server && !server.length) throw new Error('--pin-load takes every CPU: leave at least one for the servers')
  return { load, server }
}

/** [command, args] run through `taskset -c` when `cpus` is set, unchanged otherwise. */
export function withTaskset(cpus, command, args) {
  if (!cpus || !cpus.length) return [command, args]
  return ['taskset', ['-c', formatCpuList(cpus), command, ...args]]
}
