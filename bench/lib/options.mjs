// The command line: options, their help text, and the scenarios they select.
import { parseArgs } from 'node:util'
import { SCENARIOS } from '../scenarios.mjs'

export const HELP = `Usage: npm run bench -- [options]

  --scenarios a,b     scenarios to run, by number or id (default: all)
  --servers x,y       servers to run, by id (the baseline always runs)
  --duration 5s       length of each measured run
  --connections 50    concurrent connections
  --threads 1         wrk threads
  --rounds 3          measured rounds per server (medians are reported)
  --warmup 1s         unmeasured run before the rounds (0 to skip)
  --wait-quiet 15s    before each scenario, wait up to this long for other
                      processes to stop using the CPU (0 to skip)
  --quick             1 round of 3s
  --tool wrk|autocannon   load generator (default: wrk, installed with apt-get if missing)
  --no-save           do not write bench/results/latest.{json,md}
  --list              list scenarios and servers, then exit
  -h, --help          this help
`

export function parseOptions() {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string' },
      servers: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      rounds: { type: 'string' },
      warmup: { type: 'string', default: '1s' },
      'wait-quiet': { type: 'string', default: '15s' },
      quick: { type: 'boolean', default: false },
      tool: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  const int = (name, value, min) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${value}`)
    return n
  }
  const opts = {
    help: values.help,
    list: values.list,
    save: !values['no-save'],
    connections: int('connections', values.connections, 1),
    threads: int('threads', values.threads, 1),
    rounds: int('rounds', values.rounds ?? (values.quick ? 1 : 3), 1),
    duration: parseDuration('duration', values.duration ?? (values.quick ? '3s' : '5s')),
    warmup: values.warmup === '0' ? 0 : parseDuration('warmup', values.warmup),
    waitQuiet: values['wait-quiet'] === '0' ? 0 : parseDuration('wait-quiet', values['wait-quiet']),
    tool: values.tool,
    scenarios: list(values.scenarios),
    servers: list(values.servers),
  }
  if (opts.duration < 1) throw new Error('--duration must be at least 1s')
  if (opts.duration > 120) throw new Error('--duration is capped at 120s')
  if (opts.warmup > 30) throw new Error('--warmup is capped at 30s')
  if (opts.waitQuiet > 600) throw new Error('--wait-quiet is capped at 600s')
  if (opts.connections < opts.threads) throw new Error('--connections must be >= --threads')
  if (opts.tool && !['wrk', 'autocannon'].includes(opts.tool)) throw new Error('--tool is wrk or autocannon')
  return opts
}

function list(value) {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : null
}

/** '5s', '500ms', '1m' or a bare number of seconds -> whole seconds (wrk's resolution). */
function parseDuration(name, value) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(value).trim())
  if (!m) throw new Error(`--${name}: cannot read duration ${value}`)
  const n = Number(m[1])
  const seconds = m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n
  return Math.max(1, Math.round(seconds))
}

export function selectScenarios(opts) {
  let scenarios = SCENARIOS
  if (opts.scenarios) {
    const wanted = new Set(opts.scenarios)
    const known = new Set(SCENARIOS.flatMap((s) => [String(s.n), s.id]))
    for (const w of wanted) if (!known.has(w)) throw new Error(`unknown scenario ${w} (see --list)`)
    scenarios = SCENARIOS.filter((s) => wanted.has(String(s.n)) || wanted.has(s.id))
  }
  if (opts.servers) {
    const wanted = new Set(opts.servers)
    const known = new Set(SCENARIOS.flatMap((s) => s.servers.map((v) => v.id)))
    for (const w of wanted) if (!known.has(w)) throw new Error(`unknown server ${w} (see --list)`)
    scenarios = scenarios
      .map((s) => ({ ...s, servers: s.servers.filter((v) => v.kind === 'baseline' || wanted.has(v.id)) }))
      .filter((s) => s.servers.some((v) => v.kind !== 'baseline'))
  }
  return scenarios
}

export function printList() {
  for (const s of SCENARIOS) {
    console.log(`${String(s.n).padStart(2)}  ${s.id.padEnd(9)} ${s.title}`)
    for (const v of s.servers) {
      const what = v.c ? `bench/c/${v.c}` : `bench/servers/${v.script}`
      const target = v.target ? `  target >= ${v.target}x` : ''
      console.log(`      ${v.id.padEnd(17)} ${v.kind.padEnd(8)} ${what}${target}`)
    }
  }
}
