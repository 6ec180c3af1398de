// The method, as pure functions: the order the servers of a scenario run in
// each round, which runs were disturbed, the per-pair ratios and their
// medians, and whether a disturbed round has to be repeated.
//
// A round loads every server of a scenario once, back to back. A pair is a
// server's run and the run of the server it is compared to (the baseline, or
// in --compare mode the same server on the other build) in the same round, so
// the two saw the same machine within seconds of each other. The ratio of a
// pair is their requests/s divided; a row's figure is the median of its pairs.
import { spread, median } from './stats.mjs'

/**
 * A run is disturbed when, averaged over the run, processes other than the
 * server's tree, the load generator and the runner (steal time of the virtual
 * machine included) used more than this many cores.
 */
export const FOREIGN_CPU_LIMIT = 0.15

/**
 * The rows in the order round `k` (0-based) runs them: as given in even
 * rounds, reversed in odd ones (A B, B A, A B, ...). A server and the one it
 * is compared to stay next to each other, and each goes first as often as the
 * other, so drift and "who ran first" cancel out in the median.
 */
export function roundOrder(rows, k) {
  return k % 2 ? [...rows].reverse() : [...rows]
}

/** A run that produced a figure (no load-generator error, some requests). */
export function usable(run) {
  return !!run && !run.error && run.rps > 0
}

/** True when others used more than FOREIGN_CPU_LIMIT cores during the run; unknown counts as quiet. */
export function isDisturbed(run, limit = FOREIGN_CPU_LIMIT) {
  const foreign = run?.cpu?.foreign
  return typeof foreign === 'number' && foreign > limit
}

/** The pairs of a row's runs with its reference's runs of the same round: { round, ratio, clean }. */
export function pairs(runs, refRuns, limit = FOREIGN_CPU_LIMIT) {
  const refByRound = new Map(refRuns.filter(usable).map((r) => [r.round, r]))
  const out = []
  for (const run of runs.filter(usable)) {
    const ref = refByRound.get(run.round)
    if (!ref) continue
    out.push({ round: run.round, ratio: run.rps / ref.rps, clean: !isDisturbed(run, limit) && !isDisturbed(ref, limit) })
  }
  return out
}

/**
 * The median ratio of the clean pairs with its min and max; when no pair is
 * clean, of all pairs, with `clean: false` so that the report flags it.
 */
export function ratioOf(pairList) {
  const clean = pairList.filter((p) => p.clean)
  const used = clean.length ? clean : pairList
  const s = spread(used.map((p) => p.ratio))
  if (!s) return null
  return { ...s, clean: clean.length > 0, disturbed: pairList.length - clean.length }
}

/**
 * A row's own figures over its clean usable runs (all usable runs when none is
 * clean): requests/s with range, median p50 and p99, median CPU of the server
 * and the load generator; peak RSS is the highest of every usable run, as
 * memory does not depend on other load.
 */
export function summariseRuns(runs, limit = FOREIGN_CPU_LIMIT) {
  const ok = runs.filter(usable)
  if (!ok.length) return null
  const clean = ok.filter((r) => !isDisturbed(r, limit))
  const used = clean.length ? clean : ok
  const rss = ok.map((r) => r.peakRss).filter((x) => typeof x === 'number')
  return {
    rps: spread(used.map((r) => r.rps)),
    p50: median(used.map((r) => r.p50)),
    p99: median(used.map((r) => r.p99)),
    peakRss: rss.length ? Math.max(...rss) : null,
    serverCores: median(used.map((r) => r.cpu?.server)),
    loadCores: median(used.map((r) => r.cpu?.load)),
    clean: clean.length > 0,
    runs: ok.length,
    disturbedRuns: ok.length - clean.length,
  }
}

/**
 * Whether another round is due: some row has fewer than `wanted` clean pairs
 * (clean runs, for a row compared to nothing) and lost at least one to a
 * disturbance. Rows short because a server failed do not ask for more. The
 * caller bounds how many extra rounds it grants.
 */
export function needsAnotherRound(rows, wanted, limit = FOREIGN_CPU_LIMIT) {
  return rows.some((row) => {
    if (row.ref) {
      const p = pairs(row.runs, row.ref.runs, limit)
      const clean = p.filter((x) => x.clean).length
      return clean < wanted && clean < p.length
    }
    const ok = row.runs.filter(usable)
    const clean = ok.filter((r) => !isDisturbed(r, limit)).length
    return clean < wanted && clean < ok.length
  })
}
