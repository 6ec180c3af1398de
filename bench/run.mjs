#!/usr/bin/env node
// mgnode benchmark runner: `npm run bench` (see bench/README.md).
//
// Starts every server of a scenario in its own process on 127.0.0.1 (or finds
// them on --target-host), checks once that each answers the expected bytes,
// then drives them with wrk (or autocannon when wrk cannot be had) in rounds
// whose order flips each round, recording the CPU everything used during each
// run and repeating disturbed rounds a bounded number of times. Reports, per
// server, the median of the per-round ratios to the scenario's baseline (or,
// with --compare REF, to the same server on REF's build) with min–max, as a
// markdown table on stdout and in bench/results/<name>.{md,json}.
//
// This file is the entry point; the parts live in bench/lib/.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RESULTS_DIR } from './lib/paths.mjs'
import { HELP, parseOptions, selectScenarios, printList } from './lib/options.mjs'
import { chooseTool, toolVersion, machine, which } from './lib/environment.mjs'
import { stopAllSync } from './lib/processes.mjs'
import { busyCores } from './lib/cpu-use.mjs'
import { FOREIGN_CPU_LIMIT } from './lib/method.mjs'
import { onlineCpus, pinPlan, formatCpuList } from './lib/pinning.mjs'
import { buildRef } from './lib/compare.mjs'
import { runScenario, planRows } from './lib/scenario.mjs'
import { markdown, writeAtomic } from './lib/report.mjs'

function fail(message, code = 2) {
  console.error(message)
  process.exit(code)
}

async function main() {
  let opts
  try {
    opts = parseOptions()
  } catch (err) {
    fail(`${err.message}\n\n${HELP}`)
  }
  if (opts.help) return console.log(HELP)
  if (opts.list) return printList()
  let scenarios
  let pin = null
  try {
    scenarios = selectScenarios(opts)
    if (opts.pinLoad) {
      if (!which('taskset')) throw new Error('--pin-load needs taskset (apt-get install util-linux)')
      pin = pinPlan(opts.pinLoad, onlineCpus(), { localServers: !opts.targetHost })
    }
  } catch (err) {
    fail(err.message)
  }
  if (opts.compare) {
    scenarios = scenarios.filter((s) => s.servers.some((v) => v.kind === 'mgnode'))
    if (!scenarios.length) fail('--compare: none of the selected scenarios has an mgnode server')
  }
  const log = (line) => console.error(line)
  const tool = chooseTool(opts.tool)
  const meta = machine()

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-bench-'))
  let compare = null
  const cleanup = () => {
    stopAllSync()
    compare?.remove()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup()
      process.exit(130)
    })
  }

  try {
    if (opts.compare) {
      try {
        compare = buildRef(opts.compare, log)
      } catch (err) {
        console.error(err.message)
        process.exitCode = 1
        return
      }
    }
    const settings = {
      tool,
      toolVersion: toolVersion(tool),
      threads: opts.threads,
      connections: opts.connections,
      duration: opts.duration,
      rounds: opts.rounds,
      repeats: opts.repeats,
      warmup: opts.warmup,
      foreignCpuLimit: FOREIGN_CPU_LIMIT,
      workers: opts.workers,
      pin: pin && { load: formatCpuList(pin.load), server: pin.server && formatCpuList(pin.server) },
      targetHost: opts.targetHost,
      portBase: opts.targetHost ? opts.portBase : null,
      compare: compare && { ref: opts.compare, sha: compare.sha, short: compare.short, subject: compare.subject },
    }
    const rows = scenarios.reduce((n, s) => n + planRows(s, compare).length, 0)
    const perRound = rows * (opts.duration + 0.3)
    const estimate = rows * (opts.warmup + 1) + opts.rounds * perRound
    const worst = estimate + opts.repeats * perRound + scenarios.length * opts.waitQuiet * (1 + opts.repeats)
    log(
      `mgnode bench: ${scenarios.length} scenarios, ${rows} servers, ${settings.toolVersion} -t${opts.threads} -c${opts.connections}, ` +
        `${opts.rounds} rounds of ${opts.duration}s (+ up to ${opts.repeats} if disturbed): about ${Math.ceil(estimate / 60)} min, at most ~${Math.ceil(worst / 60)} min`,
    )
    if (pin) log(`pinned: load generator on CPU ${settings.pin.load}${pin.server ? `, servers on CPU ${settings.pin.server}` : ''}`)

    const idle = await busyCores()
    meta.busyCoresAtStart = idle
    if (idle !== null && idle > FOREIGN_CPU_LIMIT) {
      log(`warning: other processes are using ${idle.toFixed(2)} cores right now; disturbed runs will be repeated or flagged`)
    }

    const report = { meta, settings, scenarios: [] }
    const ctx = { opts, tool, tmp, log, pin, compare }
    for (const scenario of scenarios) report.scenarios.push(await runScenario(scenario, ctx))

    const md = markdown(report)
    process.stdout.write('\n' + md)
    if (opts.save) {
      const name = opts.saveAs ?? (compare ? `compare-${compare.short}` : opts.targetHost ? 'remote' : 'latest')
      fs.mkdirSync(RESULTS_DIR, { recursive: true })
      writeAtomic(path.join(RESULTS_DIR, `${name}.json`), JSON.stringify(report, null, 2) + '\n')
      writeAtomic(path.join(RESULTS_DIR, `${name}.md`), md)
      log(`\nwrote bench/results/${name}.json and ${name}.md`)
    }
  } finally {
    cleanup()
  }
}

main().catch((err) => {
  stopAllSync()
  console.error(err && err.stack ? err.stack : err)
  process.exit(1)
})
