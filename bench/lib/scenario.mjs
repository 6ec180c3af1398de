// One scenario's run: start and check its servers (or find them on
// --target-host), load them in rounds whose order flips each round, repeat
// rounds that other processes disturbed (a bounded number of times), and
// reduce the runs to per-pair ratio medians (see method.mjs).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { RSS_ALLOWANCE } from '../scenarios.mjs'
import { HOST } from './paths.mjs'
import { lastLine } from './processes.mjs'
import { processTree, treeRss, sampleRss } from './memory.mjs'
import { cpuMeter, waitQuiet } from './cpu-use.mjs'
import { check } from './check.mjs'
import { flood, load } from './load.mjs'
import { startServer, fixedPort, describe } from './servers.mjs'
import { roundOrder, isDisturbed, pairs, ratioOf, summariseRuns, needsAnotherRound } from './method.mjs'
import { fmtInt, fmtLatency, fmtBytes, fmtCores } from './report.mjs'

/**
 * Opens `count` keep-alive connections that each make the scenario's request
 * once, then stay open and silent while the server is loaded, as clients
 * between requests do (a busy site holds thousands of them).
 */
async function openIdleConnections(host, port, scenario, count) {
  const sockets = []
  let failed = 0
  const head = `${scenario.request.method} ${scenario.request.path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`
  const openOne = () =>
    new Promise((resolve) => {
      const socket = net.connect(port, host)
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

const NEWKEY = {
  p256: ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
  rsa2048: ['rsa:2048'],
}

/** A self-signed certificate of `kind` for a TLS scenario, made in `tmp` once; the environment naming it. */
function benchCertificate(kind, tmp) {
  const key = path.join(tmp, `tls-${kind}-key.pem`)
  const cert = path.join(tmp, `tls-${kind}-cert.pem`)
  if (!fs.existsSync(cert)) {
    const args = ['req', '-x509', '-newkey', ...NEWKEY[kind], '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost']
    execFileSync('openssl', args, { stdio: 'ignore' })
  }
  return { BENCH_TLS_CERT: cert, BENCH_TLS_KEY: key }
}

const KIND_ORDER = { mgnode: 0, baseline: 1, peer: 2, ceiling: 3 }

/**
 * The rows of a scenario, in the order of its even rounds, each with the row
 * it is compared to (`ref`). Normally: mgnode's servers, the baseline, then
 * the peers and the ceiling, every row compared to the baseline. With
 * --compare: each mgnode server on REF's build, then on this one, compared.
 */
export function planRows(scenario, compare = null) {
  const row = (def, extra = {}) => ({
    def,
    id: def.id,
    label: def.label,
    kind: def.kind,
    target: def.target ?? null,
    what: describe(def),
    env: {},
    ...extra,
  })
  if (compare) {
    return scenario.servers
      .filter((def) => def.kind === 'mgnode')
      .flatMap((def) => {
        const other = row(def, { id: `${def.id}@${compare.short}`, label: `${def.label} @ ${compare.short}`, kind: 'reference', target: null, env: { BENCH_MGNODE_ROOT: compare.dir } })
        const current = row(def, { label: `${def.label} (this build)`, target: null, ref: other })
        return [other, current]
      })
  }
  const rows = scenario.servers.map((def) => row(def)).sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
  const base = rows.find((r) => r.kind === 'baseline') ?? null
  for (const r of rows) r.ref = r === base ? null : base
  return rows
}

/** ctx: { opts, tool, tmp, log, pin: { load, server } | null, compare: { dir, short } | null } */
export async function runScenario(scenario, ctx) {
  const { opts, tool, tmp, log } = ctx
  const remote = opts.targetHost
  const host = remote || HOST
  log(`\n## ${scenario.n}. ${scenario.title}`)
  const rows = planRows(scenario, ctx.compare)
  const results = rows.map((r) => ({
    id: r.id,
    label: r.label,
    kind: r.kind,
    target: r.target,
    what: r.what,
    comparedTo: r.ref?.id ?? null,
    status: 'pending',
    reason: null,
    notes: [],
    runs: [],
  }))
  const byRow = new Map(rows.map((r, i) => [r, results[i]]))
  const resultOf = (r) => byRow.get(r)
  const live = new Map() // row -> { proc, port, tlsPort, idle }
  const tlsEnv = scenario.tls ? benchCertificate(scenario.tls, tmp) : {}
  let roundsRun = 0
  let extraRounds = 0

  try {
    for (const r of rows) {
      const res = resultOf(r)
      if (remote && scenario.flood) {
        res.status = 'failed'
        res.reason = 'the handshake flood needs the servers on this machine (it must know their HTTPS port)'
        log(`  ${r.label}: FAILED: ${res.reason}`)
        continue
      }
      if (remote) {
        const port = fixedPort(opts.portBase, scenario.n, r.def.slot)
        const c = await check(port, scenario, host, 3)
        res.check = c.info ?? null
        if (!c.ok) {
          res.status = 'failed'
          res.reason = `${host}:${port} ${c.reason} (is \`node bench/serve.mjs\` running there with the same options?)`
          log(`  ${r.label}: FAILED: ${res.reason}`)
          continue
        }
        res.notes.push(...c.notes)
        res.status = 'ok'
        live.set(r, { proc: null, port })
        log(`  ${r.label}: ${host}:${port}, ${c.info.framing}, ${c.info.headBytes} B head`)
        continue
      }
      const s = await startServer(r.def, scenario, { tmp, env: { ...tlsEnv, ...r.env }, cpus: ctx.pin?.server })
      res.check = s.info ?? null
      if (!s.proc) {
        res.status = s.status
        res.reason = s.reason
        log(`  ${r.label}: ${s.status === 'unavailable' ? 'not available' : 'FAILED'}: ${s.reason}`)
        continue
      }
      res.notes.push(...s.notes)
      res.startMs = s.startMs
      res.idleRss = treeRss(processTree(s.proc.pid))
      res.status = 'ok'
      live.set(r, { proc: s.proc, port: s.port, tlsPort: s.tlsPort })
      log(`  ${r.label}: port ${s.port}, ${s.info.framing}, ${s.info.headBytes} B head, started in ${s.startMs} ms`)
    }

    const liveRows = () => rows.filter((r) => resultOf(r).status === 'ok')
    const lost = (r) => {
      const { proc } = live.get(r)
      if (!proc || proc.alive) return false
      const res = resultOf(r)
      res.status = 'failed'
      res.reason = `server exited during the load (${proc.exit.signal || proc.exit.code}): ${lastLine(proc.stderr)}`
      log(`  ${r.label}: FAILED: ${res.reason}`)
      return true
    }
    const pids = () => liveRows().map((r) => live.get(r).proc?.pid).filter(Boolean)
    const target = (r) => ({ host, port: live.get(r).port, tlsPort: live.get(r).tlsPort })
    /** The measured load, with the scenario's handshake flood beside it when it has one. */
    const measure = async (r, seconds) => {
      const [m, f] = await Promise.all([
        load(tool, target(r), scenario, seconds, opts, tmp, ctx.pin?.load),
        scenario.flood ? flood(target(r), scenario, seconds, tmp, ctx.pin?.load) : null,
      ])
      if (f) m.flood = f
      return m
    }

    if (opts.waitQuiet > 0 && liveRows().length) await waitQuiet(opts.waitQuiet, log, pids())

    if (opts.warmup > 0) {
      for (const r of liveRows()) {
        const w = await measure(r, opts.warmup)
        if (w.error) resultOf(r).notes.push(`warm-up: ${w.error}`)
        lost(r)
      }
    }

    if (scenario.idleConnections) {
      for (const r of liveRows()) {
        const idle = await openIdleConnections(host, live.get(r).port, scenario, scenario.idleConnections)
        live.get(r).idle = idle
        if (idle.failed) resultOf(r).notes.push(`${idle.failed} of ${scenario.idleConnections} idle connections could not be opened`)
        log(`  ${r.label}: ${idle.sockets.length} idle keep-alive connections open`)
      }
    }

    const runRound = async (k) => {
      for (const r of roundOrder(liveRows(), k)) {
        const { proc } = live.get(r)
        const sampler = proc ? sampleRss(proc.pid) : null
        const meter = cpuMeter(proc?.pid ?? null)
        const m = await measure(r, opts.duration)
        m.peakRss = sampler ? sampler.stop() : null
        m.cpu = meter.stop()
        m.round = k
        m.disturbed = isDisturbed(m)
        if (lost(r)) continue
        resultOf(r).runs.push(m)
        log(runLine(k, r.label, m))
      }
      roundsRun++
    }

    for (let k = 0; k < opts.rounds; k++) await runRound(k)
    const standing = () => liveRows().map((r) => ({ runs: resultOf(r).runs, ref: r.ref ? { runs: resultOf(r.ref).runs } : null }))
    while (extraRounds < opts.repeats && needsAnotherRound(standing(), opts.rounds)) {
      extraRounds++
      log(`  disturbed runs: extra round ${extraRounds} of at most ${opts.repeats}`)
      if (opts.waitQuiet > 0) await waitQuiet(opts.waitQuiet, log, pids())
      await runRound(roundsRun)
    }
  } finally {
    for (const l of live.values()) l.idle?.close()
    await Promise.all([...live.values()].map(({ proc }) => proc?.stop()))
  }

  for (const r of rows) summarise(r, resultOf(r), r.ref ? resultOf(r.ref) : null, log)
  if (!ctx.compare) checkTargets(rows.map(resultOf), remote)
  const disturbedRounds = new Set(results.flatMap((res) => res.runs.filter((m) => m.disturbed).map((m) => m.round))).size
  return {
    n: scenario.n,
    id: scenario.id,
    title: scenario.title,
    request: { ...scenario.request },
    rounds: roundsRun,
    extraRounds,
    disturbedRounds,
    servers: results,
  }
}

function runLine(k, label, m) {
  if (m.error) return `  round ${k + 1} ${label}: ${m.error}`
  const cpu = m.cpu
  let line = `  round ${k + 1} ${label.padEnd(30)} ${fmtInt(m.rps).padStart(9)} req/s  p50 ${fmtLatency(m.p50)}  p99 ${fmtLatency(m.p99)}`
  if (m.peakRss !== null) line += `  RSS ${fmtBytes(m.peakRss)}`
  if (cpu) line += `  cores: server ${cpu.server === null ? '-' : fmtCores(cpu.server)}, load ${fmtCores(cpu.load)}, others ${fmtCores(cpu.foreign)}`
  if (m.errors || m.non2xx) line += `  errors ${m.errors} non-2xx ${m.non2xx}`
  if (m.flood) line += m.flood.error ? `  flood: ${m.flood.error}` : `  flood ${fmtInt(m.flood.rps)} handshakes/s${m.flood.errors ? ` (${m.flood.errors} errors)` : ''}`
  if (m.disturbed) line += `  DISTURBED${cpu.others.length ? ` (${cpu.others.map((o) => `${o.name} ${fmtCores(o.cores)}`).join(', ')}${cpu.steal >= 0.05 ? `, steal ${fmtCores(cpu.steal)}` : ''})` : ''}`
  return line
}

/** A row's medians, ranges, pair ratios and notes, from its runs. */
function summarise(row, res, refRes, log) {
  const ok = res.runs.filter((m) => !m.error)
  if (res.status === 'ok' && !ok.length) {
    res.status = 'failed'
    res.reason = res.runs[0]?.error || 'no run completed'
  }
  const s = summariseRuns(res.runs)
  if (!s) return
  res.rps = s.rps.median
  res.rpsRange = [s.rps.min, s.rps.max]
  res.p50 = s.p50
  res.p99 = s.p99
  res.peakRss = s.peakRss
  res.cores = { server: s.serverCores, load: s.loadCores }
  res.usedRuns = s.rps.n
  res.rpsClean = s.clean
  res.disturbedRuns = s.disturbedRuns
  if (refRes) {
    res.pairs = pairs(res.runs, refRes.runs)
    const q = ratioOf(res.pairs)
    if (q) {
      res.ratio = q.median
      res.ratioRange = [q.min, q.max]
      res.ratioPairs = q.n
      res.ratioClean = q.clean
      log(`  ${row.label} / ${refRes.label}: ${q.median.toFixed(2)}× (${q.min.toFixed(2)}–${q.max.toFixed(2)}) over ${q.n} ${q.clean ? 'clean ' : 'disturbed '}pair${q.n > 1 ? 's' : ''}`)
    }
  }
  if (s.disturbedRuns) {
    const names = new Map()
    for (const m of res.runs.filter((x) => x.disturbed)) for (const o of m.cpu.others) names.set(o.name, Math.max(names.get(o.name) || 0, o.cores))
    const who = [...names].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n, c]) => `${n} ${fmtCores(c)}`).join(', ')
    const worst = Math.max(...res.runs.filter((x) => x.disturbed).map((m) => m.cpu.foreign))
    res.notes.push(
      `${s.disturbedRuns} of ${s.runs} runs disturbed (others used up to ${fmtCores(worst)} cores${who ? `: ${who}` : ''})` +
        (s.clean ? ', left out of the medians' : ': no clean run, figures unreliable'),
    )
  }
  const floods = ok.map((m) => m.flood?.rps).filter((v) => typeof v === 'number').sort((a, b) => a - b)
  if (floods.length) {
    res.floodRps = floods[floods.length >> 1]
    res.notes.push(`took ${fmtInt(res.floodRps)} flood handshakes/s (median; ${fmtInt(floods[0])}–${fmtInt(floods[floods.length - 1])}) beside this load`)
  }
  const non2xx = ok.reduce((n, m) => n + (m.non2xx || 0), 0)
  const errors = ok.reduce((n, m) => n + (m.errors || 0), 0)
  const requests = ok.reduce((n, m) => n + (m.requests || 0), 0)
  res.errors = errors
  res.non2xx = non2xx
  if (non2xx) res.notes.push(`${non2xx} non-2xx responses under load`)
  if (errors) {
    const by = {}
    for (const m of ok) for (const [k, v] of Object.entries(m.errorsBy || {})) by[k] = (by[k] || 0) + v
    const kinds = Object.entries(by).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ')
    res.notes.push(`${errors} socket errors under load${kinds ? ` (${kinds})` : ''}, ${((100 * errors) / Math.max(requests, 1)).toFixed(2)}% of requests`)
  }
}

/** The targets of mgnode rows against the baseline: ratio median, p99, peak RSS. */
function checkTargets(results, remote) {
  const base = results.find((r) => r.kind === 'baseline' && r.rps)
  if (!base) return
  for (const r of results) {
    if (r === base || !r.check) continue
    if (base.check && r.check.framing !== base.check.framing) r.notes.push(`framing ${r.check.framing}, baseline ${base.check.framing}`)
  }
  for (const r of results) {
    if (r.kind !== 'mgnode' || !r.rps || r.ratio == null) continue
    const t = {}
    if (r.target) t.throughput = { want: r.target, met: r.ratio >= r.target }
    t.p99 = { want: base.p99, met: r.p99 <= base.p99 }
    if (!remote && base.peakRss != null) t.rss = { want: base.peakRss + RSS_ALLOWANCE, met: r.peakRss <= base.peakRss + RSS_ALLOWANCE }
    r.targets = t
  }
}
