// Whether two bench runs agree, row by row (see bench/agree.mjs).

/** Rows of a report that carry a ratio, keyed by scenario number and server label. */
function ratioRows(report) {
  const rows = new Map()
  for (const s of report.scenarios) {
    for (const r of s.servers) {
      if (r.ratio != null) rows.set(`${s.n}\u0000${r.label}`, { n: s.n, label: r.label, ratio: r.ratio, range: r.ratioRange })
    }
  }
  return rows
}

const within = (x, [lo, hi]) => x >= lo && x <= hi

/**
 * For every row both reports have: `{ n, label, a, b, agree, overlap }`, where
 * `agree` means each run's median lies within the other's min–max and
 * `overlap` that the two ranges share some values.
 */
export function agreement(a, b) {
  const rowsA = ratioRows(a)
  const rowsB = ratioRows(b)
  const out = []
  for (const [key, ra] of rowsA) {
    const rb = rowsB.get(key)
    if (rb === undefined) continue
    out.push({
      n: ra.n,
      label: ra.label,
      a: ra,
      b: rb,
      agree: within(ra.ratio, rb.range) && within(rb.ratio, ra.range),
      overlap: ra.range[0] <= rb.range[1] && rb.range[0] <= ra.range[1],
    })
  }
  return out
}
