// The stress report: a markdown table (one row per check, mgnode beside
// node:http) and the small formatters its cells use.

/** A cell's text, safe inside a markdown table row. */
export function cellText(value) {
  return String(value ?? '—').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/**
 * Rows `{ title, mgnode, node, verdict: { ok, why, note } }` as a markdown table.
 * A check that failed to run on a side shows its error in that side's cell.
 */
export function markdownTable(rows) {
  const lines = [
    '| Check | mgnode | node:http | mgnode at least as good |',
    '| --- | --- | --- | --- |',
  ]
  for (const row of rows) {
    const verdict = row.verdict.ok ? (row.verdict.note ? `yes (${row.verdict.note})` : 'yes') : `**no**: ${row.verdict.why}`
    lines.push(`| ${cellText(row.title)} | ${cellText(row.mgnode)} | ${cellText(row.node)} | ${cellText(verdict)} |`)
  }
  return lines.join('\n')
}

/** Bytes as MiB with one decimal, signed when `signed`. */
export function mib(bytes, signed = false) {
  const v = bytes / (1024 * 1024)
  const s = v.toFixed(1)
  return `${signed && v >= 0 ? '+' : ''}${s} MiB`
}

/** Milliseconds, rounded, or seconds with one decimal from 10 s on. */
export function duration(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`
}

/** `n` with thousands separated by commas. */
export function count(n) {
  return Math.round(n).toLocaleString('en-US')
}

/** The machine and run a report describes, as one line. */
export function describeRun(meta) {
  const dirty = meta.dirty ? ' (uncommitted changes)' : ''
  const load = meta.load ? `, load average ${meta.load[0]} at the start` : ''
  return `${meta.date.slice(0, 10)}, ${meta.cpus} × ${meta.cpuModel}, ${mib(meta.memory).replace(/\.\d MiB/, ' MiB')} RAM, Linux ${meta.kernel}, Node ${meta.node}, commit ${meta.commit ?? 'unknown'}${dirty}${load}${meta.quick ? ', --quick' : ''}`
}
