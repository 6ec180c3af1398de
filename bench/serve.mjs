#!/usr/bin/env node
// The server side of a two-host run: starts the servers of the selected
// scenarios on fixed ports and keeps them up, so that `npm run bench --
// --target-host <this host>` on another machine can load them. See
// bench/README.md, "On two machines".
//
//   node bench/serve.mjs --host 0.0.0.0 [--scenarios 1,3,10] [--workers 4]
//
// Every server of every selected scenario runs at once, each in its own
// process (idle ones cost memory, not CPU). Stops on Ctrl-C, or after
// --lifetime.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { selectScenarios, parseDuration } from './lib/options.mjs'
import { startServer, fixedPort, describe } from './lib/servers.mjs'
import { stopAllSync } from './lib/processes.mjs'
import { onlineCpus, parseCpuList, formatCpuList } from './lib/pinning.mjs'
import { which } from './lib/environment.mjs'

const HELP = `Usage: node bench/serve.mjs [options]

  --host 127.0.0.1     address the servers listen on (0.0.0.0: every interface)
  --port-base 20000    server k of scenario n listens on port-base + 10 × (n − 1) + k
  --scenarios a,b      scenarios to serve (default: all)
  --servers x,y        servers to serve, by id (the baseline always runs)
  --workers 2          workers of scenario 10
  --pin CPUS           run the servers on these CPUs only (taskset list)
  --lifetime 60m       stop after this long
  -h, --help           this help

Then, on the load host: npm run bench -- --target-host <this host> with the
same --scenarios, --servers, --workers and --port-base.
`

async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'port-base': { type: 'string', default: '20000' },
      scenarios: { type: 'string' },
      servers: { type: 'string' },
      workers: { type: 'string', default: '2' },
      pin: { type: 'string' },
      lifetime: { type: 'string', default: '60m' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) return console.log(HELP)
  const portBase = Number(values['port-base'])
  const workers = Number(values.workers)
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65535 - 200) throw new Error('--port-base must be an integer from 1024 to 65335')
  if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a positive integer')
  const lifetime = parseDuration('lifetime', values.lifetime)
  const list = (v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : null)
  const scenarios = selectScenarios({ scenarios: list(values.scenarios), servers: list(values.servers), workers })
  let cpus = null
  if (values.pin) {
    if (!which('taskset')) throw new Error('--pin needs taskset (apt-get install util-linux)')
    cpus = parseCpuList(values.pin)
    const online = onlineCpus()
    for (const c of cpus) if (!online.includes(c)) throw new Error(`--pin: CPU ${c} is not online (online: ${formatCpuList(online)})`)
  }
  // The check request goes over loopback when the servers listen on every interface.
  const host = values.host
  const checkHost = ['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-serve-'))
  const procs = []
  let stopping = false
  const stop = async (why) => {
    if (stopping) return
    stopping = true
    console.error(`stopping (${why})`)
    await Promise.all(procs.map((p) => p.stop()))
    fs.rmSync(tmp, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))

  let up = 0
  for (const scenario of scenarios) {
    for (const def of scenario.servers) {
      const port = fixedPort(portBase, scenario.n, def.slot)
      const s = await startServer(def, scenario, { tmp, env: { BENCH_HOST: host }, cpus, port, checkHost })
      const where = `${String(scenario.n).padStart(2)} ${scenario.id.padEnd(9)} ${def.id.padEnd(17)} ${host}:${port}`
      if (!s.proc) {
        console.log(`${where}  ${s.status === 'unavailable' ? 'not available' : 'FAILED'}: ${s.reason}`)
        continue
      }
      procs.push(s.proc)
      up++
      console.log(`${where}  ${describe(def)}`)
      s.proc.exited.then(({ code, signal }) => {
        if (!stopping) console.error(`${def.id} of scenario ${scenario.n} exited (${signal || code})`)
      })
    }
  }
  console.log(`\n${up} servers up on ${host}${cpus ? ` (CPU ${formatCpuList(cpus)})` : ''}; stopping in ${Math.round(lifetime / 60)} min or on Ctrl-C.`)
  setTimeout(() => stop('lifetime over'), lifetime * 1000)
}

main().catch((err) => {
  stopAllSync()
  console.error(err && err.message ? err.message : err)
  process.exit(1)
})
