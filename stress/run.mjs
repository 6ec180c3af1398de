#!/usr/bin/env node
// mgnode's stress suite: `npm run stress` (see stress/README.md).
//
// Runs each check against mgnode and node:http, one after the other in the
// same run, each server in a fresh process on 127.0.0.1, and prints a
// markdown table with mgnode beside node:http and whether mgnode did at
// least as well; the table and every measurement also go to
// stress/results/<full|quick>.{md,json}. Every check bounds its own time.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { CHECKS } from './checks/index.mjs'
import { machine } from './lib/machine.mjs'
import { canMeasure, raiseFdLimit } from './lib/proc.mjs'
import { describeRun, markdownTable } from './lib/table.mjs'
import { hasWrk } from './lib/wrk.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const TARGETS = ['mgnode', 'node:http']

const HELP = `Usage: npm run stress -- [--quick] [--only id,id] [--seed N] [--list]

  --quick     smaller counts and shorter runs (for CI and development)
  --only      run only these checks (ids from --list)
  --seed N    seed of the fuzz inputs (default 1)
  --list      list the checks and exit`

function parseArgs(argv) {
  const opts = { quick: false, only: null, seed: 1, list: false, help: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--quick') opts.quick = true
    else if (a === '--list') opts.list = true
    else if (a === '--help' || a === '-h') opts.help = true
    else if (a === '--only') opts.only = argv[++i].split(',')
    else if (a === '--seed') opts.seed = Number(argv[++i])
    else throw new Error(`unknown option ${a}`)
  }
  return opts
}

/** Results as JSON: private fields (leading `_`, kept for verdicts) left out. */
function publicFields(result) {
  return JSON.parse(JSON.stringify(result, (key, value) => (key.startsWith('_') ? undefined : value)))
}

async function main() {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (err) {
    console.error(`${err.message}\n\n${HELP}`)
    process.exit(2)
  }
  if (opts.help) return console.log(HELP)
  if (opts.list) {
    for (const c of CHECKS) console.log(`${c.id.padEnd(14)} ${c.title}`)
    return
  }
  if (!canMeasure()) throw new Error('the stress suite needs Linux (/proc) and prlimit (util-linux)')
  if (!hasWrk()) throw new Error('the stress suite needs wrk (apt-get install wrk)')
  const checks = opts.only ? CHECKS.filter((c) => opts.only.includes(c.id)) : CHECKS
  if (checks.length === 0) throw new Error(`no check matches --only ${opts.only}`)
  // Enough descriptors here for the clients of the idle-connections check.
  raiseFdLimit(process.pid, 24_000)

  const started = Date.now()
  const ctx = { quick: opts.quick, seed: opts.seed, log: (line) => console.error(`  ${line}`) }
  const rows = []
  for (const check of checks) {
    console.error(`${check.id}: ${check.title}`)
    const results = {}
    for (const target of TARGETS) {
      const t0 = Date.now()
      try {
        results[target] = await check.run(target, ctx)
      } catch (err) {
        results[target] = { error: err.message, cell: `did not run: ${err.message}` }
      }
      console.error(`  ${target}: ${results[target].cell} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    }
    const mg = results.mgnode
    const node = results['node:http']
    const verdict = mg.error ? { ok: false, why: 'mgnode did not run' } : node.error ? { ok: true, why: 'node:http did not run' } : check.verdict(mg, node)
    console.error(`  verdict: ${verdict.ok ? 'at least as good' : `NOT: ${verdict.why}`}`)
    rows.push({ id: check.id, title: check.title, mgnode: mg.cell, node: node.cell, verdict, results })
  }

  const meta = { ...machine(), quick: opts.quick, seconds: Math.round((Date.now() - started) / 1000) }
  const table = markdownTable(rows)
  const md = `${table}\n\n${describeRun(meta)}; ${meta.seconds} s in all.\n`
  console.log(md)
  const name = opts.quick ? 'quick' : 'full'
  const dir = path.join(HERE, 'results')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, `${name}.md`), md)
  const json = { meta, rows: rows.map((r) => ({ ...r, results: publicFields(r.results) })) }
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`)
  if (rows.some((r) => !r.verdict.ok)) process.exitCode = 1
}

main().catch((err) => {
  console.error(err.stack ?? err.message)
  process.exit(2)
})
