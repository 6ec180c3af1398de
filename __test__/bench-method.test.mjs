// The pure parts of the benchmark runner (bench/lib): the order of a round,
// per-pair ratios and their medians, disturbed runs and when a round is
// repeated, the command line, CPU lists for taskset and fixed ports. Nothing
// here starts a server or a load generator.
import test from 'ava'
import { median, spread } from '../bench/lib/stats.mjs'
import { FOREIGN_CPU_LIMIT, roundOrder, isDisturbed, pairs, ratioOf, summariseRuns, needsAnotherRound } from '../bench/lib/method.mjs'
import { parseOptions, selectScenarios } from '../bench/lib/options.mjs'
import { parseCpuList, formatCpuList, pinPlan, withTaskset } from '../bench/lib/pinning.mjs'
import { fixedPort } from '../bench/lib/servers.mjs'
import { planRows } from '../bench/lib/scenario.mjs'
import { markdown, stealShare } from '../bench/lib/report.mjs'
import { agreement, agreementChance, expectedAgreeing } from '../bench/lib/agreement.mjs'

const quiet = { foreign: 0.02 }
const busy = { foreign: FOREIGN_CPU_LIMIT + 0.3 }
const run = (round, rps, cpu = quiet, extra = {}) => ({ round, rps, p50: 400, p99: 2000, peakRss: 50e6, cpu, ...extra })

test('median and spread ignore missing values; even counts average the middle two', (t) => {
  t.is(median([3, 1, 2]), 2)
  t.is(median([4, 1, 3, 2]), 2.5)
  t.is(median([null, undefined, NaN]), null)
  t.deepEqual(spread([5, null, 1, 3]), { median: 3, min: 1, max: 5, n: 3 })
  t.is(spread([]), null)
})

test('a round runs the rows as given, the next one reversed (A B, B A, A B)', (t) => {
  const rows = ['A', 'B', 'C']
  t.deepEqual(roundOrder(rows, 0), ['A', 'B', 'C'])
  t.deepEqual(roundOrder(rows, 1), ['C', 'B', 'A'])
  t.deepEqual(roundOrder(rows, 2), ['A', 'B', 'C'])
  t.deepEqual(rows, ['A', 'B', 'C'], 'the plan itself is not reordered')
})

test('a run is disturbed only when others used more than the limit', (t) => {
  t.false(isDisturbed(run(0, 1, { foreign: FOREIGN_CPU_LIMIT })))
  t.true(isDisturbed(run(0, 1, { foreign: FOREIGN_CPU_LIMIT + 0.01 })))
  t.false(isDisturbed(run(0, 1, null)), 'unknown counts as quiet')
})

test('pairs match runs of the same round and skip failed runs', (t) => {
  const mine = [run(0, 200), run(1, 300), run(2, 0, quiet, { error: 'wrk: boom' }), run(3, 90)]
  const base = [run(0, 100), run(1, 100), run(2, 100)]
  t.deepEqual(pairs(mine, base), [
    { round: 0, ratio: 2, clean: true },
    { round: 1, ratio: 3, clean: true },
  ])
})

test('a pair is clean only when both of its runs are', (t) => {
  const p = pairs([run(0, 150), run(1, 150, busy)], [run(0, 100, busy), run(1, 100)])
  t.deepEqual(p.map((x) => x.clean), [false, false])
  t.true(pairs([run(0, 150)], [run(0, 100)])[0].clean)
})

test('the ratio is the median of the clean pairs, with their min and max', (t) => {
  const r = ratioOf([
    { round: 0, ratio: 1.4, clean: true },
    { round: 1, ratio: 9, clean: false },
    { round: 2, ratio: 1.2, clean: true },
    { round: 3, ratio: 1.5, clean: true },
  ])
  t.deepEqual(r, { median: 1.4, min: 1.2, max: 1.5, n: 3, clean: true, disturbed: 1 })
})

test('with no clean pair the ratio comes from all pairs and says so', (t) => {
  const r = ratioOf([
    { round: 0, ratio: 2, clean: false },
    { round: 1, ratio: 1, clean: false },
  ])
  t.is(r.median, 1.5)
  t.false(r.clean)
  t.is(ratioOf([]), null)
})

test('a row\'s own figures leave disturbed runs out, but not its peak RSS', (t) => {
  const s = summariseRuns([run(0, 100), run(1, 500, busy, { peakRss: 80e6 }), run(2, 120), run(3, 1, quiet, { error: 'x' })])
  t.deepEqual(s.rps, { median: 110, min: 100, max: 120, n: 2 })
  t.is(s.peakRss, 80e6)
  t.true(s.clean)
  t.is(s.disturbedRuns, 1)
  t.false(summariseRuns([run(0, 100, busy)]).clean)
  t.is(summariseRuns([run(0, 1, quiet, { error: 'x' })]), null)
})

test('another round is due when a disturbance left a row short of clean pairs', (t) => {
  const base = { runs: [run(0, 100), run(1, 100, busy)] }
  t.true(needsAnotherRound([{ runs: [run(0, 150), run(1, 150)], ref: base }], 2))
  t.false(needsAnotherRound([{ runs: [run(0, 150), run(1, 150)], ref: base }], 1), 'one clean pair is enough when one is wanted')
  const clean = { runs: [run(0, 100), run(1, 100)] }
  t.false(needsAnotherRound([{ runs: [run(0, 150), run(1, 150)], ref: clean }], 2))
})

test('a row short because its runs failed does not ask for another round', (t) => {
  const base = { runs: [run(0, 100), run(1, 100)] }
  const failing = { runs: [run(0, 0, quiet, { error: 'wrk: connect' }), run(1, 150)], ref: base }
  t.false(needsAnotherRound([failing], 2))
  t.true(needsAnotherRound([{ runs: [run(0, 100, busy)], ref: null }], 1), 'a row compared to nothing counts its clean runs')
})

test('options: defaults, --quick, and short -t / -c', (t) => {
  const d = parseOptions([])
  t.like(d, { rounds: 7, duration: 4, repeats: 4, threads: 1, connections: 50, warmup: 1, waitQuiet: 15, workers: 2, save: true, compare: null, targetHost: null, pinLoad: null, portBase: 20000 })
  t.like(parseOptions(['--quick']), { rounds: 2, duration: 2, repeats: 1 })
  t.like(parseOptions(['--quick', '--rounds', '4']), { rounds: 4, duration: 2 })
  t.like(parseOptions(['-t', '4', '-c', '256', '--duration', '1500ms', '--warmup', '0', '--no-save']), { threads: 4, connections: 256, duration: 2, warmup: 0, save: false })
  t.like(parseOptions(['--scenarios', '1, express', '--compare', 'HEAD~1', '--pin-load', '1']), { scenarios: ['1', 'express'], compare: 'HEAD~1', pinLoad: '1' })
  t.like(parseOptions(['--target-host', '10.0.0.7', '--port-base', '30000']), { targetHost: '10.0.0.7', portBase: 30000 })
})

test('options: what makes no sense is refused', (t) => {
  t.throws(() => parseOptions(['--bogus']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' })
  t.throws(() => parseOptions(['--threads', '4', '--connections', '2']), { message: /--connections must be >= --threads/ })
  t.throws(() => parseOptions(['--rounds', '0']), { message: /--rounds must be an integer/ })
  t.throws(() => parseOptions(['--duration', 'soon']), { message: /cannot read duration/ })
  t.throws(() => parseOptions(['--duration', '10m']), { message: /capped/ })
  t.throws(() => parseOptions(['--compare', 'HEAD', '--target-host', 'example']), { message: /does not go with --target-host/ })
  t.throws(() => parseOptions(['--target-host', 'a b']), { message: /cannot read host/ })
  t.throws(() => parseOptions(['--save-as', '../x']), { message: /plain file name/ })
})

test('CPU lists read and print the way taskset takes them', (t) => {
  t.deepEqual(parseCpuList('3,0-1, 1'), [0, 1, 3])
  t.is(formatCpuList([0, 1, 2, 5, 7, 8]), '0-2,5,7-8')
  t.throws(() => parseCpuList('2-1'), { message: /backwards/ })
  t.throws(() => parseCpuList('one'), { message: /cannot read CPU list/ })
  t.deepEqual(withTaskset([1], 'wrk', ['-t1']), ['taskset', ['-c', '1', 'wrk', '-t1']])
  t.deepEqual(withTaskset(null, 'wrk', ['-t1']), ['wrk', ['-t1']])
})

test('pinning the load generator leaves the other CPUs to the servers', (t) => {
  t.deepEqual(pinPlan('1', [0, 1]), { load: [1], server: [0] })
  t.deepEqual(pinPlan('6-7', [0, 1, 2, 3, 4, 5, 6, 7]), { load: [6, 7], server: [0, 1, 2, 3, 4, 5] })
  t.deepEqual(pinPlan('0-1', [0, 1], { localServers: false }), { load: [0, 1], server: null })
  t.throws(() => pinPlan('0-1', [0, 1]), { message: /leave at least one/ })
  t.throws(() => pinPlan('4', [0, 1]), { message: /not online/ })
})

test('fixed ports for another host do not depend on which servers were picked', (t) => {
  t.is(fixedPort(20000, 1, 0), 20000)
  t.is(fixedPort(20000, 3, 2), 20022)
  const all = selectScenarios(parseOptions(['--scenarios', '3']))[0]
  const picked = selectScenarios(parseOptions(['--scenarios', '3', '--servers', 'ultimate-express']))[0]
  const slotOf = (s, id) => s.servers.find((v) => v.id === id).slot
  t.is(slotOf(picked, 'ultimate-express'), slotOf(all, 'ultimate-express'))
  t.is(picked.servers.length, 2, 'the baseline and the picked peer')
})

test('--workers relabels scenario 10 and hands the count to its servers', (t) => {
  const two = selectScenarios(parseOptions(['--scenarios', 'workers']))[0]
  t.is(two.servers[0].target, 2.5)
  const four = selectScenarios(parseOptions(['--scenarios', 'workers', '--workers', '4']))[0]
  t.is(four.serverEnv.BENCH_WORKERS, '4')
  t.deepEqual(four.servers.map((v) => v.label), ['mgnode workers: 4', 'node:http (1 process)', 'node:cluster ×4 (peer)'])
  t.is(four.servers[0].target, undefined, 'the two-core target does not apply')
})

test('rows: mgnode next to the baseline, every row compared to it', (t) => {
  const s = selectScenarios(parseOptions(['--scenarios', '1']))[0]
  const rows = planRows(s)
  t.deepEqual(rows.map((r) => r.kind), ['mgnode', 'baseline', 'peer', 'ceiling'])
  const base = rows[1]
  t.is(base.ref, null)
  t.true(rows.filter((r) => r !== base).every((r) => r.ref === base))
})

test('rows with --compare: each mgnode server on the other build, then on this one', (t) => {
  const s = selectScenarios(parseOptions(['--scenarios', 'big']))[0]
  const rows = planRows(s, { short: 'abc1234', dir: '/tmp/x' })
  t.deepEqual(rows.map((r) => r.id), ['mgnode-manager@abc1234', 'mgnode-manager', 'mgnode@abc1234', 'mgnode'])
  t.is(rows[1].ref, rows[0])
  t.is(rows[3].ref, rows[2])
  t.deepEqual(rows[0].env, { BENCH_MGNODE_ROOT: '/tmp/x' })
  t.deepEqual(rows[1].env, {}, 'this build is the checkout\'s own')
})

test('the table shows the ratio median with its range, its pair count when short, and flags figures from disturbed runs', (t) => {
  const row = (extra) => ({ notes: [], runs: [], status: 'ok', p50: 500, p99: 3000, peakRss: 60 * 2 ** 20, cores: { server: 1, load: 0.9 }, ...extra })
  const report = {
    meta: { date: '2026-01-01T00:00:00Z', cpus: 2, cpuModel: 'test', node: 'v20', commit: 'abc', dirty: false },
    settings: { tool: 'wrk', toolVersion: 'wrk 4', threads: 1, connections: 50, duration: 5, rounds: 5, repeats: 3, warmup: 1 },
    scenarios: [
      {
        n: 2, title: 'hello', rounds: 6, extraRounds: 1, disturbedRounds: 1,
        servers: [
          row({ label: 'mgnode Server', rps: 84000, rpsRange: [80000, 88000], rpsClean: true, ratio: 1.4, ratioRange: [1.35, 1.52], ratioPairs: 5, ratioClean: true }),
          row({ label: 'node:http', rps: 60000, rpsRange: [58000, 61000], rpsClean: false }),
          row({ label: 'peer', rps: 90000, rpsRange: [90000, 90000], rpsClean: true, ratio: 1.5, ratioRange: [1.5, 1.5], ratioPairs: 1, ratioClean: false }),
        ],
      },
    ],
  }
  const md = markdown(report)
  t.regex(md, /\| mgnode Server \| 84\.0k \(80\.0k–88\.0k\) \| 1\.40× \(1\.35–1\.52\) \|/)
  t.regex(md, /\| node:http \| 60\.0k \(58\.0k–61\.0k\) ⚠ \|/)
  t.regex(md, /\| peer \| 90\.0k \| 1\.50× \(1 pair\) ⚠ \|/, 'a lone pair says so, and a disturbed one is flagged')
  t.regex(md, /6 rounds run, 1 with a disturbed run, 1 of them extra/)
  // One core over 84,000 requests/s: 11.9 µs each; over 60,000: 16.7 µs.
  t.regex(md, /\| mgnode Server \|[^\n]*\| 1\.00 · 0\.90 \| 11\.9 µs \|/)
  t.regex(md, /\| node:http \|[^\n]*\| 1\.00 · 0\.90 \| 16\.7 µs \|/)
})

test('two runs agree on a row when each median lies within the other run\'s range', (t) => {
  const run = (rows) => ({ scenarios: [{ n: 1, servers: rows.map(([label, ratio, lo, hi]) => ({ label, ratio, ratioRange: [lo, hi] })) }] })
  const a = run([['same', 1.5, 1.4, 1.6], ['overlap', 1.5, 1.45, 1.55], ['apart', 1.2, 1.1, 1.3], ['only in A', 2, 2, 2]])
  const b = run([['same', 1.45, 1.3, 1.55], ['overlap', 1.6, 1.52, 1.7], ['apart', 1.5, 1.4, 1.6]])
  const rows = Object.fromEntries(agreement(a, b).map((r) => [r.label, [r.agree, r.overlap]]))
  t.deepEqual(rows, { same: [true, true], overlap: [false, true], apart: [false, false] })
})

test('the host\'s steal is summarised over every run, and named in the table\'s header', (t) => {
  const runs = (steals) => steals.map((steal) => ({ rps: 1000, cpu: { steal, load: 0.5 } }))
  const report = {
    meta: { date: '2026-01-01T00:00:00Z', cpus: 2, cpuModel: 'test', node: 'v20', commit: 'abc', dirty: false },
    settings: { tool: 'wrk', toolVersion: 'wrk 4', threads: 1, connections: 50, duration: 4, rounds: 7, repeats: 4, warmup: 1 },
    scenarios: [
      { n: 1, title: 'a', rounds: 2, servers: [{ label: 'x', notes: [], status: 'ok', runs: runs([0, 0.2]) }, { label: 'y', notes: [], status: 'ok', runs: runs([0.01, 0.06]) }] },
      { n: 2, title: 'b', rounds: 1, servers: [{ label: 'x', notes: [], status: 'ok', runs: runs([0.03]) }] },
    ],
  }
  // Steals 0, 0.01, 0.03, 0.06, 0.2: median 0.03; two of five at 0.05 or more.
  t.deepEqual(stealShare(report), { cores: 0.03, noticed: 0.4 })
  t.regex(markdown(report), /a median 0\.03 cores per run, and at least 0\.05 of a core in 40% of the runs/)
  t.is(stealShare({ scenarios: [{ servers: [{ runs: [{ cpu: null }] }] }] }), null, 'no measurement, no figure')
})

test('what two identical runs would agree on depends on their pair counts, and is below every row', (t) => {
  // Lone pairs make point ranges, which another run's median never hits.
  t.is(agreementChance(1, 1), 0)
  const seven = agreementChance(7, 7)
  t.true(seven > 0.84 && seven < 0.9, `7 and 7 pairs: ${seven}`)
  t.is(agreementChance(7, 7), seven, 'seeded: the same figure every time')
  t.true(agreementChance(25, 25) > 0.99)
  t.true(agreementChance(3, 3) < seven)
  const row = (pa, pb) => ({ a: { pairs: pa }, b: { pairs: pb } })
  t.is(expectedAgreeing([row(7, 7), row(7, 7), row(1, 1), row(undefined, 7)]), 2 * seven)
})
