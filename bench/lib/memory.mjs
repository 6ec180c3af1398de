// Memory: the resident bytes of a server's whole process tree, from /proc.
import fs from 'node:fs'

const SAMPLE_MS = 50

/** The pids of `pid` and all its descendants, from /proc/<pid>/task/<tid>/children. */
export function processTree(pid) {
  const out = []
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()
    out.push(p)
    let tasks = []
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`)
    } catch {
      continue
    }
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(/\s+/)) if (c) stack.push(Number(c))
      } catch {}
    }
  }
  return out
}

function statusKiB(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/** Resident bytes of the whole tree right now. */
export function treeRss(pids) {
  let kib = 0
  for (const p of pids) kib += statusKiB(p, 'VmRSS')
  return kib * 1024
}

/** Samples the tree's resident memory every SAMPLE_MS; stop() returns the peak in bytes. */
export function sampleRss(rootPid) {
  let pids = processTree(rootPid)
  let peak = treeRss(pids)
  let ticks = 0
  const timer = setInterval(() => {
    if (++ticks % 20 === 0) pids = processTree(rootPid)
    const rss = treeRss(pids)
    if (rss > peak) peak = rss
  }, SAMPLE_MS)
  return {
    stop() {
      clearInterval(timer)
      const rss = treeRss(pids)
      return rss > peak ? rss : peak
    },
  }
}
