// Whether two bench runs agree, row by row (see bench/agree.mjs).
import { mulberry32 } from '../../stress/lib/random.mjs'
import { median } from './stats.mjs'

/** Rows of a report that carry a ratio, keyed by scenario number and server label. */
function ratioRows(report) {
  const rows = new Map()
  for (const s of report.scenarios) {
    for (const r of s.servers) {
      if (r.ratio != null) rows.set(`${s.n}\u0000${r.label}`, { n: s.n, label: r.label, ratio: r.ratio, range: r.ratioRange, pairs: r.ratioPairs })
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

/**
 * The chance that two runs of the same build on an unchanged machine agree
 * on a row (each median within the other's min–max) when they have `nA` and
 * `nB` pairs: every pair drawn independently from one distribution, so the
 * answer depends on the counts only. Even then it is below 1 (7 and 7 pairs:
 * about 0.87), which is what a count of agreeing rows is to be read against.
 */
export function agreementChance(nA, nB, trials = 20000) {
  if (!(nA > 0 && nB > 0)) return 0
  // Seeded, so that the figure is the same on every call.
  const random = mulberry32(nA * 1000 + nB)
  const draw = (n) => Array.from({ length: n }, random)
  let agree = 0
  for (let i = 0; i < trials; i++) {
    const a = draw(nA)
    const b = draw(nB)
    const ma = median(a)
    const mb = median(b)
    if (ma >= Math.min(...b) && ma <= Math.max(...b) && mb >= Math.min(...a) && mb <= Math.max(...a)) agree++
  }
  return agree / trials
}

/** How many of `rows` (from `agreement`) two identical runs would be expected to agree on. */
export function expectedAgreeing(rows) {
  // Most rows share their pair counts: one simulation per distinct pair.
  const chances = new Map()
  let sum = 0
  for (const r of rows) {
    const key = `${r.a.pairs},${r.b.pairs}`
    if (!chances.has(key)) chances.set(key, agreementChance(r.a.pairs, r.b.pairs))
    sum += chances.get(key)
  }
  return sum
}
