// Deadlines in the tests are there to turn a hang into a failure, not to
// measure speed. Under emulation (QEMU, wine) everything is several times
// slower: the suite runners for those set MGNODE_TEST_SLOWDOWN, and every
// deadline and load duration is multiplied by it.

/** How many times slower than native this run is expected to be (1 unless set). */
export const SLOWDOWN = Math.max(1, Number(process.env.MGNODE_TEST_SLOWDOWN) || 1)

/** `ms` stretched by `SLOWDOWN`. */
export const scaled = (ms) => Math.round(ms * SLOWDOWN)
