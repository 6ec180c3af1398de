#!/usr/bin/env node
// Do two runs of `npm run bench` agree? For every row with a ratio, prints each
// run's median and min–max, and whether each median lies within the other
// run's range (the test the method is held to: two runs of the same build
// should agree within their stated ranges).
//
//   node bench/agree.mjs bench/results/A.json bench/results/B.json
import fs from 'node:fs'

import { agreement, expectedAgreeing } from './lib/agreement.mjs'
import { STEAL_NOTICED, stealShare } from './lib/report.mjs'

const files = process.argv.slice(2)
if (files.length !== 2) {
  console.error('usage: node bench/agree.mjs <run A .json> <run B .json>')
  process.exit(2)
}
const [a, b] = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')))
const rows = agreement(a, b)
const fmt = (r) => `${r.ratio.toFixed(2)}× (${r.range[0].toFixed(2)}–${r.range[1].toFixed(2)})`
const steal = (r) => {
  const s = stealShare(r)
  return s ? `, steal: median ${s.cores.toFixed(2)} cores per run, ${Math.round(s.noticed * 100)}% of runs ≥ ${STEAL_NOTICED}` : ''
}
console.log(`A: ${files[0]} (commit ${a.meta.commit}, ${a.meta.date.slice(0, 16)}${steal(a)})`)
console.log(`B: ${files[1]} (commit ${b.meta.commit}, ${b.meta.date.slice(0, 16)}${steal(b)})\n`)
console.log('| # | server | A | B | agree |')
console.log('|--:|---|--:|--:|---|')
for (const r of rows) console.log(`| ${r.n} | ${r.label} | ${fmt(r.a)} | ${fmt(r.b)} | ${r.agree ? 'yes' : r.overlap ? 'ranges overlap' : 'no'} |`)
const agreeing = rows.filter((r) => r.agree).length
console.log(`\n${agreeing} of ${rows.length} rows agree (each median within the other run's range); ${rows.filter((r) => !r.agree && r.overlap).length} more overlap.`)
console.log(
  `Two runs of one build on an unchanged machine, with these pair counts, would agree on about ${expectedAgreeing(rows).toFixed(1)} of ${rows.length} rows: ` +
    'a min–max range misses the other median now and then by chance alone.',
)
