/** Time flags: a number in the flag's own unit, or with an explicit `ms` or `s` suffix. */
import { UsageError } from './usage-error'

/** Milliseconds for `value` (`10`, `10s`, `500ms`); a bare number is in `unit`. */
export function parseDuration(flag: string, value: string, unit: 'ms' | 's'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(value.trim())
  if (!m) throw new UsageError(`--${flag} must be a duration such as 10, 10s or 500ms, got "${value}"`)
  const n = Number(m[1])
  return Math.round((m[2] ?? unit) === 's' ? n * 1000 : n)
}
