// Medians and ranges: every figure the suite reports is one of these over the
// rounds of a scenario.

/** The median of the finite values, or null when there are none. */
export function median(values) {
  const v = finiteSorted(values)
  if (!v.length) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** { median, min, max, n } of the finite values, or null when there are none. */
export function spread(values) {
  const v = finiteSorted(values)
  if (!v.length) return null
  return { median: median(v), min: v[0], max: v[v.length - 1], n: v.length }
}

function finiteSorted(values) {
  return values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
}
