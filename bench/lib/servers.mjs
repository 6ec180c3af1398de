// Starting one server of a scenario and checking that it answers the
// scenario's bytes: shared by the runner and bench/serve.mjs.
import path from 'node:path'
import { HOST, SERVERS_DIR } from './paths.mjs'
import { buildC } from './ceiling.mjs'
import { ServerProcess } from './processes.mjs'
import { check } from './check.mjs'
import { withTaskset } from './pinning.mjs'

/** The port of a server when the servers run on another host: fixed, so both hosts agree on it. */
export function fixedPort(portBase, scenarioN, slot) {
  if (slot > 9) throw new Error(`scenario ${scenarioN} has more than 10 servers: fixed ports would overlap`)
  return portBase + 10 * (scenarioN - 1) + slot
}

/** What a server runs, for the report. */
export function describe(def) {
  return def.c ? `bench/c/${def.c}` : `bench/servers/${def.script}`
}

/**
 * Starts `def` of `scenario` (pinned to `cpus` when set) on `port` (0: any),
 * waits for it to listen and checks its answer through `checkHost`. Resolves
 * { proc, port, info, notes } or { status: 'unavailable' | 'failed', reason }.
 */
export async function startServer(def, scenario, { tmp, env = {}, cpus = null, port = 0, checkHost = HOST }) {
  let command = process.execPath
  let args = [path.join(SERVERS_DIR, def.script || '')]
  if (def.c) {
    const built = buildC(def.c, tmp)
    if (!built.binary) return { status: 'unavailable', reason: built.reason }
    command = built.binary
    args = []
  }
  const [cmd, argv] = withTaskset(cpus, command, args)
  const t0 = Date.now()
  const proc = new ServerProcess(cmd, argv, { ...scenario.serverEnv, ...env, PORT: String(port) })
  const ready = await proc.ready()
  if (!ready.port) {
    await proc.stop()
    return { status: ready.unavailable ? 'unavailable' : 'failed', reason: ready.unavailable || ready.failed }
  }
  const c = await check(ready.port, scenario, checkHost)
  if (!c.ok) {
    await proc.stop()
    return { status: 'failed', reason: c.reason, info: c.info ?? null }
  }
  return { proc, port: ready.port, tlsPort: ready.tlsPort, info: c.info, notes: c.notes, startMs: Date.now() - t0 }
}
