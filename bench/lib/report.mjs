// The report: figures formatted for people, the markdown table, and writing
// the result files.
import fs from 'node:fs'
import { RSS_ALLOWANCE } from '../scenarios.mjs'
import { FOREIGN_CPU_LIMIT } from './method.mjs'
import { median } from './stats.mjs'

export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US')
}

/** Requests/s, short: 61.2k, 3.41k, 812. */
export function fmtRate(n) {
  if (n >= 10_000) return `${(n / 1000).toFixed(1)}k`
  if (n >= 1000) return `${(n / 1000).toFixed(2)}k`
  return String(Math.round(n))
}

export function fmtLatency(us) {
  if (us == null) return ''
  if (us === 0) return '< 1 ms' // autocannon's resolution
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 100_000 ? 0 : 2)} ms`
  return `${Math.round(us)} µs`
}

export function fmtBytes(b) {
  if (b == null) return ''
  return `${(b / (1024 * 1024)).toFixed(0)} MiB`
}

export function fmtCores(c) {
  return c == null ? '' : c.toFixed(2)
}

/**
 * The server's CPU time per request, in µs (its median cores over its median
 * requests/s): what a request costs all its threads together, which decides
 * throughput once the server has no more cores to spread over.
 */
export function cpuPerRequest(r) {
  return r.rps && r.cores?.server != null ? (r.cores.server / r.rps) * 1e6 : null
}

function fmtRange(lo, hi, fmt) {
  return lo === hi ? '' : ` (${fmt(lo)}–${fmt(hi)})`
}

/** '1.42× (1.38–1.47)'; the number of pairs when fewer than the rounds asked for; ⚠ when none was clean. */
function fmtRatio(r, rounds) {
  const [lo, hi] = r.ratioRange
  const parts = []
  if (lo !== hi) parts.push(`${lo.toFixed(2)}–${hi.toFixed(2)}`)
  if (r.ratioPairs < rounds) parts.push(`${r.ratioPairs} pair${r.ratioPairs > 1 ? 's' : ''}`)
  return `${r.ratio.toFixed(2)}×${parts.length ? ` (${parts.join(', ')})` : ''}${r.ratioClean ? '' : ' ⚠'}`
}

function fmtTargets(r) {
  if (!r.targets) return ''
  const mark = (ok) => (ok ? '✓' : '✗')
  const parts = []
  if (r.targets.throughput) parts.push(`≥${r.targets.throughput.want}× ${mark(r.targets.throughput.met)}`)
  parts.push(`p99 ${mark(r.targets.p99.met)}`)
  if (r.targets.rss) parts.push(`RSS ${mark(r.targets.rss.met)}`)
  return parts.join(' · ')
}

/** Every run of every server of the report. */
const allRuns = (report) => report.scenarios.flatMap((s) => s.servers.flatMap((r) => r.runs))

/** The load generator's median share of the machine over every run of the report. */
export function loadShare(report) {
  const cores = median(allRuns(report).map((m) => m.cpu?.load))
  return cores === null ? null : { cores, share: cores / report.meta.cpus }
}

/** Steal from this many cores on counts as a run the host slowed (bench/README.md, "When the host steals"). */
export const STEAL_NOTICED = 0.05

/**
 * How much CPU the virtual machine's host took over the report's runs:
 * the median steal per run (cores) and the share of runs with at least
 * `STEAL_NOTICED`; null when no run measured it.
 */
export function stealShare(report) {
  const steals = allRuns(report).map((m) => m.cpu?.steal).filter((x) => typeof x === 'number')
  if (steals.length === 0) return null
  return { cores: median(steals), noticed: steals.filter((x) => x >= STEAL_NOTICED).length / steals.length }
}

function method(report) {
  const { settings: st, meta } = report
  const tool = st.tool === 'wrk' ? `${st.toolVersion}, ${st.threads} thread${st.threads > 1 ? 's' : ''}` : `${st.toolVersion}, 1 process`
  const lines = []
  lines.push(
    `${tool}, ${st.connections} connections. Each scenario: ${st.rounds} rounds of ${st.duration} s after a ${st.warmup} s warm-up per server; ` +
      `a round runs every server once, in an order that flips each round (A B, B A, ...). ` +
      `A run is disturbed when other processes used more than ${FOREIGN_CPU_LIMIT} of a core during it (steal included, averaged over the run); ` +
      (st.repeats ? `up to ${st.repeats} extra round${st.repeats > 1 ? 's' : ''} per scenario replace disturbed ones, and disturbed runs stay out of the medians while a clean one is left.` : 'disturbed runs stay out of the medians while a clean one is left (no extra rounds: --repeats 0).'),
  )
  lines.push('')
  const ref = st.compare ? `the same server on ${st.compare.short}'s build` : "the scenario's baseline (node:http, or @hono/node-server)"
  lines.push(
    `req/s, p50, p99: medians over the clean runs, req/s with min–max. × ${st.compare ? 'ref' : 'base'}: median of the per-round ratios of requests/s to ${ref}, ` +
      `with min–max. Peak RSS: the server's process tree, highest over the runs. Cores: CPU used by the server's tree and by the load generator during a run, medians. ` +
      `CPU/req: the server's CPU time per request, its cores over its requests/s.`,
  )
  const share = loadShare(report)
  if (share) {
    lines.push('')
    lines.push(`The load generator used a median ${share.cores.toFixed(2)} cores per run: ${Math.round(share.share * 100)}% of this ${meta.cpus}-core machine${st.targetHost ? '' : ', which the servers share with it'}.`)
  }
  const steal = stealShare(report)
  if (steal && !st.targetHost) {
    lines.push('')
    lines.push(
      `The host took (steal) a median ${steal.cores.toFixed(2)} cores per run, and at least ${STEAL_NOTICED} of a core in ${Math.round(steal.noticed * 100)}% of the runs; ` +
        "stolen CPU lowers mgnode's ratios more than it lowers node:http's (bench/README.md, \"When the host steals\").",
    )
  }
  if (st.pin) lines.push('', `Pinned with taskset: the load generator on CPU ${st.pin.load}${st.pin.server ? `, the servers on CPU ${st.pin.server}` : ''}.`)
  if (st.targetHost) lines.push('', `Servers on ${st.targetHost} (bench/serve.mjs, ports from ${st.portBase}); their RSS and CPU are not seen from here.`)
  if (st.compare) lines.push('', `A/B: this build (commit ${meta.commit ?? '?'}${meta.dirty ? ' + uncommitted changes' : ''}) against ${st.compare.short} (${st.compare.subject}). × ref above 1 means this build is faster.`)
  return lines
}

export function markdown(report) {
  const { meta, settings: st } = report
  const lines = []
  lines.push(st.compare ? `# mgnode A/B against ${st.compare.short}` : '# mgnode benchmark')
  lines.push('')
  lines.push(
    `${meta.date.slice(0, 16).replace('T', ' ')} UTC · ${meta.cpus} × ${meta.cpuModel} · Node ${meta.node} · ` +
      `Mongoose ${meta.mongoose ?? '?'} · commit ${meta.commit ?? '?'}${meta.dirty ? ' (+ uncommitted changes)' : ''}`,
  )
  lines.push('')
  lines.push(...method(report))
  lines.push('')
  lines.push(`| # | scenario | server | req/s | × ${st.compare ? 'ref' : 'base'} | p50 | p99 | peak RSS | cores: server · load | CPU/req | targets |`)
  lines.push('|--:|---|---|--:|--:|--:|--:|--:|--:|--:|---|')
  const notes = []
  for (const s of report.scenarios) {
    s.servers.forEach((r, i) => {
      const first = i === 0
      const cells = [first ? String(s.n) : '', first ? s.title : '', r.label]
      if (r.rps) {
        const flag = r.rpsClean === false ? ' ⚠' : ''
        const ratio = r.ratio != null ? fmtRatio(r, st.rounds) : ''
        const cores = r.cores && r.cores.load != null ? `${r.cores.server == null ? '–' : fmtCores(r.cores.server)} · ${fmtCores(r.cores.load)}` : ''
        const perRequest = cpuPerRequest(r)
        const cpu = perRequest === null ? '' : `${perRequest.toFixed(1)} µs`
        cells.push(fmtRate(r.rps) + fmtRange(r.rpsRange[0], r.rpsRange[1], fmtRate) + flag, ratio, fmtLatency(r.p50), fmtLatency(r.p99), fmtBytes(r.peakRss), cores, cpu, fmtTargets(r))
      } else {
        const what = r.status === 'unavailable' ? 'not available' : 'failed'
        cells.push(what, '', '', '', '', '', '', '')
        notes.push(`${s.n}. ${r.label}: ${what}: ${r.reason}`)
      }
      if (r.rps && r.status !== 'ok') notes.push(`${s.n}. ${r.label}: ${r.status}: ${r.reason} (figures from the runs before)`)
      for (const n of r.notes) notes.push(`${s.n}. ${r.label}: ${n}`)
      lines.push(`| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`)
    })
    if (s.disturbedRounds || s.extraRounds) notes.push(`${s.n}. ${s.rounds} rounds run, ${s.disturbedRounds} with a disturbed run, ${s.extraRounds} of them extra.`)
  }
  if (report.scenarios.some((s) => s.servers.some((r) => r.rpsClean === false || (r.ratio != null && !r.ratioClean)))) {
    notes.unshift('⚠ a figure from disturbed runs only (no clean run or pair was left): re-run on a quiet machine before trusting it.')
  }
  if (notes.length) {
    lines.push('')
    lines.push('Notes:')
    lines.push('')
    for (const n of notes) lines.push(`- ${n}`)
  }
  if (!st.compare) {
    lines.push('')
    lines.push(
      'Targets (mgnode rows): throughput ratio (median) where the issue sets one; p99 no worse than the baseline; ' +
        `peak RSS at most the baseline's plus ${RSS_ALLOWANCE / 1024 / 1024} MiB.`,
    )
  }
  return lines.join('\n') + '\n'
}

export function writeAtomic(file, text) {
  fs.writeFileSync(`${file}.tmp`, text)
  fs.renameSync(`${file}.tmp`, file)
}
