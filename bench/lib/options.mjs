// The command line: options, their help text, and the scenarios they select.
import { parseArgs } from 'node:util'
import { SCENARIOS, withWorkers } from '../scenarios.mjs'

export const HELP = `Usage: npm run bench -- [options]

What runs
  --scenarios a,b      scenarios to run, by number or id (default: all)
  --servers x,y        servers to run, by id (the baseline always runs)
  --compare REF        A/B the current build against git commit REF, built in a
                       temporary worktree: only mgnode's servers, each paired
                       with the same server on REF's build
  --workers 2          workers of scenario 10 (mgnode workers: N, node:cluster ×N)

How long
  --rounds 7           rounds per scenario; a round runs every server once,
                       in an order that flips each round (A B, B A, ...)
  --duration 4s        length of each run
  --repeats 4          at most this many extra rounds per scenario to replace
                       rounds disturbed by other processes (0: none)
  --warmup 1s          unmeasured run per server before the rounds (0 to skip)
  --wait-quiet 15s     before each scenario and each extra round, wait up to
                       this long for other processes to stop using the CPU
  --quick              2 rounds of 2s, 1 extra round at most

Load generator
  -t, --threads 1      wrk threads
  -c, --connections 50 concurrent connections
  --tool wrk|autocannon  (default: wrk, installed with apt-get if missing)
  --pin-load CPUS      run the load generator on these CPUs (taskset list, e.g.
                       1 or 4-7) and the servers on every other CPU
  --target-host HOST   only drive load: the servers run on HOST, started there
                       with \`node bench/serve.mjs --host 0.0.0.0\` (same
                       --scenarios, --workers and --port-base)
  --port-base 20000    first of the fixed ports used with --target-host

Output
  --save-as NAME       write bench/results/NAME.{json,md} (default: latest;
                       compare-<ref> with --compare; remote with --target-host)
  --no-save            write nothing under bench/results/
  --list               list scenarios and servers, then exit
  -h, --help           this help
`

const SPEC = {
  scenarios: { type: 'string' },
  servers: { type: 'string' },
  compare: { type: 'string' },
  workers: { type: 'string', default: '2' },
  rounds: { type: 'string' },
  duration: { type: 'string' },
  repeats: { type: 'string' },
  warmup: { type: 'string', default: '1s' },
  'wait-quiet': { type: 'string', default: '15s' },
  quick: { type: 'boolean', default: false },
  threads: { type: 'string', short: 't', default: '1' },
  connections: { type: 'string', short: 'c', default: '50' },
  tool: { type: 'string' },
  'pin-load': { type: 'string' },
  'target-host': { type: 'string' },
  'port-base': { type: 'string', default: '20000' },
  'save-as': { type: 'string' },
  'no-save': { type: 'boolean', default: false },
  list: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
}

/** Reads the command line (the arguments after `npm run bench --`); throws on anything wrong. */
export function parseOptions(argv = process.argv.slice(2)) {
  const { values } = parseArgs({ args: argv, options: SPEC, strict: true, allowPositionals: false })
  const quick = values.quick
  const opts = {
    help: values.help,
    list: values.list,
    save: !values['no-save'],
    saveAs: values['save-as'] ?? null,
    connections: int('connections', values.connections, 1, 100_000),
    threads: int('threads', values.threads, 1, 1024),
    rounds: int('rounds', values.rounds ?? (quick ? '2' : '7'), 1, 50),
    repeats: int('repeats', values.repeats ?? (quick ? '1' : '4'), 0, 20),
    duration: parseDuration('duration', values.duration ?? (quick ? '2s' : '4s')),
    warmup: values.warmup === '0' ? 0 : parseDuration('warmup', values.warmup),
    waitQuiet: values['wait-quiet'] === '0' ? 0 : parseDuration('wait-quiet', values['wait-quiet']),
    tool: values.tool ?? null,
    scenarios: list(values.scenarios),
    servers: list(values.servers),
    workers: int('workers', values.workers, 1, 256),
    compare: values.compare ?? null,
    pinLoad: values['pin-load'] ?? null,
    targetHost: values['target-host'] ?? null,
    portBase: int('port-base', values['port-base'], 1024, 65535 - 200),
  }
  if (opts.duration > 120) throw new Error('--duration is capped at 120s')
  if (opts.warmup > 30) throw new Error('--warmup is capped at 30s')
  if (opts.waitQuiet > 600) throw new Error('--wait-quiet is capped at 600s')
  if (opts.connections < opts.threads) throw new Error('--connections must be >= --threads')
  if (opts.tool && !['wrk', 'autocannon'].includes(opts.tool)) throw new Error('--tool is wrk or autocannon')
  if (opts.compare !== null && !opts.compare.trim()) throw new Error('--compare needs a git commit (a hash, branch or tag)')
  if (opts.targetHost !== null && !/^[A-Za-z0-9.:\-[\]]+$/.test(opts.targetHost)) throw new Error(`--target-host: cannot read host ${JSON.stringify(opts.targetHost)}`)
  if (opts.targetHost && opts.compare) throw new Error('--compare builds REF on this machine: it does not go with --target-host')
  if (opts.saveAs !== null && !/^[A-Za-z0-9._-]+$/.test(opts.saveAs)) throw new Error('--save-as takes a plain file name (letters, digits, . _ -)')
  return opts
}

function int(name, value, min, max) {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${value}`)
  return n
}

function list(value) {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : null
}

/** '5s', '500ms', '1m' or a bare number of seconds -> whole seconds, at least 1 (wrk's resolution). */
export function parseDuration(name, value) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(value).trim())
  if (!m) throw new Error(`--${name}: cannot read duration ${value}`)
  const n = Number(m[1])
  const seconds = m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n
  return Math.max(1, Math.round(seconds))
}

/**
 * The scenarios the options select, with scenario 10 set to --workers.
 * Every server keeps `slot`, its place in the scenario's full list, which
 * fixes its port when the servers run on another host.
 */
export function selectScenarios(opts) {
  let scenarios = SCENARIOS.map((s) => withWorkers(s, opts.workers)).map((s) => ({ ...s, servers: s.servers.map((v, slot) => ({ ...v, slot })) }))
  if (opts.scenarios) {
    const wanted = new Set(opts.scenarios)
    const known = new Set(SCENARIOS.flatMap((s) => [String(s.n), s.id]))
    for (const w of wanted) if (!known.has(w)) throw new Error(`unknown scenario ${w} (see --list)`)
    scenarios = scenarios.filter((s) => wanted.has(String(s.n)) || wanted.has(s.id))
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
