// The report: figures formatted for people, the markdown table, and writing
// the result files.
import fs from 'node:fs'
import { RSS_ALLOWANCE } from '../scenarios.mjs'
import { FOREIGN_CPU_LIMIT } from './other-load.mjs'

export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US')
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

function fmtTargets(r) {
  if (!r.targets) return ''
  const mark = (ok) => (ok ? '✓' : '✗')
  const parts = []
  if (r.targets.throughput) parts.push(`≥${r.targets.throughput.want}× ${mark(r.targets.throughput.met)}`)
  parts.push(`p99 ${mark(r.targets.p99.met)}`)
  parts.push(`RSS ${mark(r.targets.rss.met)}`)
  return parts.join(' · ')
}

export function markdown(report) {
  const { meta, settings } = report
  const lines = []
  lines.push('# mgnode benchmark')
  lines.push('')
  lines.push(
    `${meta.date.slice(0, 16).replace('T', ' ')} UTC · ${meta.cpus} × ${meta.cpuModel} · Node ${meta.node} · ` +
      `Mongoose ${meta.mongoose ?? '?'} · commit ${meta.commit ?? '?'}${meta.dirty ? ' (+ uncommitted changes)' : ''}`,
  )
  lines.push('')
  lines.push(
    `${settings.toolVersion}, ${settings.tool === 'wrk' ? `${settings.threads} thread${settings.threads > 1 ? 's' : ''}` : '1 process'}, ${settings.connections} connections, ` +
      `${settings.rounds} × ${settings.duration} s rounds after a ${settings.warmup} s warm-up; medians of the rounds, peak RSS of the server's process tree over the rounds. ` +
      `× base: requests/s over the scenario's baseline (node:http, or @hono/node-server) in this run.`,
  )
  lines.push('')
  lines.push('| # | scenario | server | req/s | × base | p50 | p99 | peak RSS | targets |')
  lines.push('|--:|---|---|--:|--:|--:|--:|--:|---|')
  const notes = []
  for (const s of report.scenarios) {
    s.servers.forEach((r, i) => {
      const first = i === 0
      const cells = [first ? String(s.n) : '', first ? s.title : '', r.label]
      if (r.rps) {
        cells.push(fmtInt(r.rps) + (r.disturbedRounds ? ' ⚠' : ''), r.ratio ? `${r.ratio.toFixed(2)}×` : '', fmtLatency(r.p50), fmtLatency(r.p99), fmtBytes(r.peakRss), fmtTargets(r))
      } else {
        const what = r.status === 'unavailable' ? 'not available' : 'failed'
        cells.push(what, '', '', '', '', '')
        notes.push(`${s.n}. ${r.label}: ${what}: ${r.reason}`)
      }
      if (r.rps && r.status !== 'ok') notes.push(`${s.n}. ${r.label}: ${r.status}: ${r.reason} (figures from the rounds before)`)
      for (const n of r.notes) notes.push(`${s.n}. ${r.label}: ${n}`)
      lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)
    })
  }
  const disturbed = report.scenarios.flatMap((sc) => sc.servers).filter((r) => r.disturbedRounds)
  if (disturbed.length) {
    notes.unshift(`⚠ ${disturbed.length} servers had rounds during which other processes used more than ${FOREIGN_CPU_LIMIT} of a core: re-run on a quiet machine before trusting them.`)
  }
  if (notes.length) {
    lines.push('')
    lines.push('Notes:')
    lines.push('')
    for (const n of notes) lines.push(`- ${n}`)
  }
  lines.push('')
  lines.push(
    'Targets (mgnode rows): throughput ratio where the issue sets one; p99 no worse than the baseline; ' +
      `peak RSS at most the baseline's plus ${RSS_ALLOWANCE / 1024 / 1024} MiB.`,
  )
  return lines.join('\n') + '\n'
}

export function writeAtomic(file, text) {
  fs.writeFileSync(`${file}.tmp`, text)
  fs.renameSync(`${file}.tmp`, file)
}
