// A small seeded random source (mulberry32), so a fuzz run can be repeated
// byte for byte from its seed.

/** Returns a generator of floats in [0, 1) for a 32-bit `seed`. */
export function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Helpers over a seeded source. */
export class Random {
  constructor(seed) {
    this.next = mulberry32(seed)
  }

  /** An integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n)
  }

  /** An integer in [lo, hi]. */
  between(lo, hi) {
    return lo + this.int(hi - lo + 1)
  }

  chance(p) {
    return this.next() < p
  }

  pick(list) {
    return list[this.int(list.length)]
  }

  /** `n` random bytes. */
  bytes(n) {
    const out = Buffer.alloc(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }
}
