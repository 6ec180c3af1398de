// One scenario's run: start and check its servers, load them in rotated
// rounds, and reduce the rounds to medians and ratios to the baseline.
import net from 'node:net'
import path from 'node:path'
import { RSS_ALLOWANCE } from '../scenarios.mjs'
import { HOST, SERVERS_DIR } from './paths.mjs'
import { buildC } from './ceiling.mjs'
import { ServerProcess, lastLine } from './processes.mjs'
import { processTree, treeRss, sampleRss } from './memory.mjs'
import { FOREIGN_CPU_LIMIT, foreignCpu, waitQuiet } from './other-load.mjs'
import { check } from './check.mjs'
import { load } from './load.mjs'
import { fmtInt, fmtLatency, fmtBytes } from './report.mjs'

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (!v.length) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/**
 * Opens `count` keep-alive connections that each make the scenario's request
 * once, then stay open and silent while the server is loaded, as clients
 * between requests do (a busy site holds thousands of them).
 */
async function openIdleConnections(port, scenario, count) {
  const sockets = []
  let failed = 0
  const head = `${scenario.request.method} ${scenario.request.path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\n\r\n`
  const openOne = () =>
    new Promise((resolve) => {
      const socket = net.connect(port, HOST)
      const fail = () => {
        failed++
        socket.destroy()
        resolve()
      }
      socket.setTimeout(5000, fail)
      socket.once('error', fail)
      socket.once('connect', () => socket.write(head))
      socket.once('data', () => {
        socket.setTimeout(0)
        socket.removeListener('error', fail)
        socket.on('error', () => {})
        sockets.push(socket)
        resolve()
      })
    })
  for (let opened = 0; opened < count; opened += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - opened) }, openOne))
  }
  return { sockets, failed, close: () => sockets.forEach((s) => s.destroy()) }
}

export async function runScenario(scenario, opts, tool, tmp, log) {
  log(`\n## ${scenario.n}. ${scenario.title}`)
  const results = scenario.servers.map((def) => ({
    id: def.id,
    label: def.label,
    kind: def.kind,
    target: def.target ?? null,
    what: def.c ? `bench/c/${def.c}` : `bench/servers/${def.script}`,
    status: 'pending',
    reason: null,
    notes: [],
    rounds: [],
  }))
  const procs = new Map()

  try {
    // Start and check every server of the scenario.
    for (let i = 0; i < results.length; i++) {
      const def = scenario.servers[i]
      const r = results[i]
      let command = process.execPath
      let args = [path.join(SERVERS_DIR, def.script || '')]
      if (def.c) {
        const built = buildC(def.c, tmp)
        if (!built.binary) {
          r.status = 'unavailable'
          r.reason = built.reason
          log(`  ${def.label}: not available: ${r.reason}`)
          continue
        }
        command = built.binary
        args = []
      }
      const t0 = Date.now()
      const proc = new ServerProcess(command, args, scenario.serverEnv)
      const ready = await proc.ready()
      if (!ready.port) {
        r.status = ready.unavailable ? 'unavailable' : 'failed'
        r.reason = ready.unavailable || ready.failed
        log(`  ${def.label}: ${r.status === 'unavailable' ? 'not available' : 'FAILED'}: ${r.reason}`)
        await proc.stop()
        continue
      }
      const c = await check(ready.port, scenario)
      r.check = c.info ?? null
      if (!c.ok) {
        r.status = 'failed'
        r.reason = c.reason
        log(`  ${def.label}: FAILED: ${r.reason}`)
        await proc.stop()
        continue
      }
      r.notes.push(...c.notes)
      r.startMs = Date.now() - t0
      r.idleRss = treeRss(processTree(proc.pid))
      r.status = 'ok'
      procs.set(r, { proc, port: ready.port })
      log(`  ${def.label}: port ${ready.port}, ${c.info.framing}, ${c.info.headBytes} B head, started in ${r.startMs} ms`)
    }

    const live = () => results.filter((r) => r.status === 'ok')
    const lost = (r) => {
      const { proc } = procs.get(r)
      if (proc.alive) return false
      r.status = 'failed'
      r.reason = `server exited during the load (${proc.exit.signal || proc.exit.code}): ${lastLine(proc.stderr)}`
      log(`  ${r.label}: FAILED: ${r.reason}`)
      return true
    }

    if (opts.waitQuiet > 0 && live().length) await waitQuiet(opts.waitQuiet, log, live().map((r) => procs.get(r).proc.pid))

    if (opts.warmup > 0) {
      for (const r of live()) {
        const w = await load(tool, procs.get(r).port, scenario, opts.warmup, opts, tmp)
        if (w.error) r.notes.push(`warm-up: ${w.error}`)
        lost(r)
      }
    }

    if (scenario.idleConnections) {
      for (const r of live()) {
        const { port } = procs.get(r)
        const idle = await openIdleConnections(port, scenario, scenario.idleConnections)
        procs.get(r).idle = idle
        if (idle.failed) r.notes.push(`${idle.failed} of ${scenario.idleConnections} idle connections could not be opened`)
        log(`  ${r.label}: ${idle.sockets.length} idle keep-alive connections open`)
      }
    }

    for (let round = 0; round < opts.rounds; round++) {
      const order = live()
      // Rotate the order each round so that no server always runs first.
      const rotated = order.slice(round % Math.max(order.length, 1)).concat(order.slice(0, round % Math.max(order.length, 1)))
      for (const r of rotated) {
        const { proc, port } = procs.get(r)
        const sampler = sampleRss(proc.pid)
        const cpu = foreignCpu(proc.pid)
        const m = await load(tool, port, scenario, opts.duration, opts, tmp)
        m.peakRss = sampler.stop()
        m.foreignCpu = cpu.stop()
        if (lost(r)) continue
        r.rounds.push(m)
        if (m.error) log(`  round ${round + 1} ${r.label}: ${m.error}`)
        else log(`  round ${round + 1} ${r.label.padEnd(26)} ${fmtInt(m.rps).padStart(9)} req/s  p50 ${fmtLatency(m.p50)}  p99 ${fmtLatency(m.p99)}  RSS ${fmtBytes(m.peakRss)}${m.errors || m.non2xx ? `  errors ${m.errors} non-2xx ${m.non2xx}` : ''}${m.foreignCpu > FOREIGN_CPU_LIMIT ? `  DISTURBED: other processes used ${m.foreignCpu.toFixed(2)} cores` : ''}`)
      }
    }

    for (const r of results) {
      const ok = r.rounds.filter((m) => !m.error)
      if (r.status === 'ok' && !ok.length) {
        r.status = 'failed'
        r.reason = r.rounds[0]?.error || 'no round completed'
      }
      if (!ok.length) continue
      r.rps = median(ok.map((m) => m.rps))
      r.p50 = median(ok.map((m) => m.p50))
      r.p99 = median(ok.map((m) => m.p99))
      r.peakRss = Math.max(...ok.map((m) => m.peakRss))
      r.bytesPerSec = median(ok.map((m) => m.bytesPerSec))
      const errors = ok.reduce((s, m) => s + m.errors, 0)
      const non2xx = ok.reduce((s, m) => s + m.non2xx, 0)
      const requests = ok.reduce((s, m) => s + m.requests, 0)
      r.errors = errors
      r.non2xx = non2xx
      const disturbed = ok.filter((m) => m.foreignCpu > FOREIGN_CPU_LIMIT)
      r.disturbedRounds = disturbed.length
      if (disturbed.length) {
        const worst = Math.max(...disturbed.map((m) => m.foreignCpu))
        r.notes.push(`${disturbed.length} of ${ok.length} rounds disturbed by other processes (up to ${worst.toFixed(2)} cores): figures unreliable`)
      }
      if (non2xx) r.notes.push(`${non2xx} non-2xx responses under load`)
      if (errors) {
        const by = {}
        for (const m of ok) for (const [k, v] of Object.entries(m.errorsBy || {})) by[k] = (by[k] || 0) + v
        const kinds = Object.entries(by).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ')
        r.notes.push(`${errors} socket errors under load${kinds ? ` (${kinds})` : ''}, ${((100 * errors) / Math.max(requests, 1)).toFixed(2)}% of requests`)
      }
    }
  } finally {
    for (const { idle } of procs.values()) idle?.close()
    await Promise.all([...procs.values()].map(({ proc }) => proc.stop()))
  }

  // Ratios to the baseline, and the targets of mgnode rows.
  const base = results.find((r) => r.kind === 'baseline' && r.rps)
  for (const r of results) {
    if (!r.rps || !base) continue
    r.ratio = r.rps / base.rps
    if (r.kind !== 'mgnode') continue
    const t = {}
    if (r.target) t.throughput = { want: r.target, met: r.ratio >= r.target }
    t.p99 = { want: base.p99, met: r.p99 <= base.p99 }
    t.rss = { want: base.peakRss + RSS_ALLOWANCE, met: r.peakRss <= base.peakRss + RSS_ALLOWANCE }
    r.targets = t
  }
  // Same framing and content type as the baseline?
  if (base?.check) {
    for (const r of results) {
      if (r === base || !r.check) continue
      if (r.check.framing !== base.check.framing) r.notes.push(`framing ${r.check.framing}, baseline ${base.check.framing}`)
    }
  }
  return { n: scenario.n, id: scenario.id, title: scenario.title, request: { ...scenario.request }, servers: results }
}
