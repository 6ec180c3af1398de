#!/usr/bin/env node
// mgnode benchmark runner: `npm run bench` (see bench/README.md).
//
// Starts every server of a scenario in its own process on 127.0.0.1, checks
// once that it answers the expected bytes, then drives each with wrk (or
// autocannon when wrk cannot be had) in interleaved rounds, sampling the
// resident memory of the server's process tree during the load. Reports
// medians over the rounds and each server's ratio to the scenario's baseline
// measured in the same run, as a markdown table on stdout and in
// bench/results/latest.{md,json}.
//
// This file is the entry point; the parts live in bench/lib/.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RESULTS_DIR } from './lib/paths.mjs'
import { HELP, parseOptions, selectScenarios, printList } from './lib/options.mjs'
import { chooseTool, toolVersion, machine } from './lib/environment.mjs'
import { stopAllSync } from './lib/processes.mjs'
import { FOREIGN_CPU_LIMIT, busyCores } from './lib/other-load.mjs'
import { runScenario } from './lib/scenario.mjs'
import { markdown, writeAtomic } from './lib/report.mjs'

async function main() {
  let opts
  try {
    opts = parseOptions()
  } catch (err) {
    console.error(`${err.message}\n\n${HELP}`)
    process.exit(2)
  }
  if (opts.help) {
    console.log(HELP)
    return
  }
  if (opts.list) {
    printList()
    return
  }
  let scenarios
  try {
    scenarios = selectScenarios(opts)
  } catch (err) {
    console.error(err.message)
    process.exit(2)
  }
  const tool = chooseTool(opts.tool)
  const meta = machine()
  const settings = {
    tool,
    toolVersion: toolVersion(tool),
    threads: opts.threads,
    connections: opts.connections,
    duration: opts.duration,
    rounds: opts.rounds,
    warmup: opts.warmup,
  }
  const runs = scenarios.reduce((n, s) => n + s.servers.length, 0)
  const estimate = runs * (opts.warmup + opts.rounds * (opts.duration + 0.3) + 1)
  const log = (line) => console.error(line)
  log(`mgnode bench: ${scenarios.length} scenarios, ${runs} servers, ${settings.toolVersion} -t${opts.threads} -c${opts.connections} -d${opts.duration}s × ${opts.rounds} rounds; at most ~${Math.ceil(estimate / 60)} min`)

  const idle = await busyCores()
  meta.busyCoresAtStart = idle
  if (idle !== null && idle > FOREIGN_CPU_LIMIT) {
    log(`warning: other processes are using ${idle.toFixed(2)} cores right now; figures will be skewed (rounds they disturb are flagged)`)
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-bench-'))
  const cleanup = () => {
    stopAllSync()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup()
      process.exit(130)
    })
  }

  const report = { meta, settings, scenarios: [] }
  try {
    for (const scenario of scenarios) report.scenarios.push(await runScenario(scenario, opts, tool, tmp, log))
  } finally {
    cleanup()
  }

  const md = markdown(report)
  process.stdout.write('\n' + md)
  if (opts.save) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true })
    writeAtomic(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(report, null, 2) + '\n')
    writeAtomic(path.join(RESULTS_DIR, 'latest.md'), md)
    log(`\nwrote bench/results/latest.json and latest.md`)
  }
}

main().catch((err) => {
  stopAllSync()
  console.error(err && err.stack ? err.stack : err)
  process.exit(1)
})
