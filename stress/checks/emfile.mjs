// Out of file descriptors (EMFILE): once listening, the server's limit is
// lowered to 128 (prlimit) and 200 clients connect. The server must go on
// serving a connection it already had, must not spin while at the limit
// (its CPU time over 2 s is measured), and must serve new connections again
// once the clients leave.
//
// The two differ in what happens to clients beyond the limit: node:http
// (libuv) accepts each with a descriptor it keeps in reserve and closes it
// at once; mgnode stops accepting until a descriptor frees up (or 100 ms
// pass), so they wait in the kernel's backlog and are served then.
import { KeepAlive, collect, connect, pool, sleep } from '../lib/client.mjs'
import { parseResponses } from '../lib/http-response.mjs'
import { cpuSeconds, setFdLimit } from '../lib/proc.mjs'
import { startHttpServer } from '../lib/server.mjs'
import { duration } from '../lib/table.mjs'

const LIMIT = 128
const CLIENTS = 200
const GET = 'GET / HTTP/1.1\r\nHost: t\r\n\r\n'

/** Connects and asks; the socket, and whether it was answered within `ms`. */
async function ask(port, ms) {
  let socket
  try {
    socket = await connect(port, { timeoutMs: ms })
  } catch {
    return { socket: null, ok: false }
  }
  socket.on('error', () => {})
  socket.write(GET)
  const got = await collect(socket, { quietMs: ms, maxMs: ms, until: (d) => parseResponses(d).responses.length > 0 })
  return { socket, ok: parseResponses(got.data).responses[0]?.status === 200 }
}

export const emfile = {
  id: 'emfile',
  title: `Out of descriptors (EMFILE): limit lowered to ${LIMIT}, ${CLIENTS} clients connect`,
  async run(target) {
    const server = await startHttpServer(target)
    let flood = []
    try {
      const existing = await KeepAlive.open(server.port)
      await existing.request(GET)
      if (!setFdLimit(server.pid, LIMIT)) throw new Error('prlimit could not lower the limit')
      flood = await pool(CLIENTS, CLIENTS, () => ask(server.port, 1500))
      const served = flood.filter((f) => f.ok).length
      const cpu0 = cpuSeconds(server.pid)
      await sleep(2000)
      const cpuPerSecond = (cpuSeconds(server.pid) - cpu0) / 2
      const again = await existing.request(GET, 3000)
      existing.close()
      // The clients leave; how long until a new one is served.
      for (const f of flood) f.socket?.destroy()
      const left = Date.now()
      let recoveryMs = null
      while (recoveryMs === null && Date.now() - left < 10_000) {
        const a = await ask(server.port, 1000)
        a.socket?.destroy()
        if (a.ok) recoveryMs = Date.now() - left
        else await sleep(50)
      }
      const alive = server.alive()
      return {
        served,
        cpuPerSecond,
        existingServed: again.status === 200,
        recoveryMs,
        alive,
        cell:
          `${served}/${CLIENTS} served at the limit; ${(cpuPerSecond * 1000).toFixed(0)} ms CPU per s while there; ` +
          `existing connection ${again.status === 200 ? 'served' : 'NOT served'}; ` +
          `new ones served again ${recoveryMs === null ? 'NEVER' : `${duration(recoveryMs)} after the clients left`}`,
      }
    } finally {
      for (const f of flood) f.socket?.destroy()
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (!mg.alive || !mg.existingServed) return { ok: false, why: 'the existing connection was not served' }
    if (mg.recoveryMs === null) return { ok: false, why: 'new connections were never served again' }
    if (mg.cpuPerSecond > Math.max(2 * node.cpuPerSecond, 0.05)) return { ok: false, why: `spins: ${mg.cpuPerSecond.toFixed(2)} s of CPU per s` }
    return { ok: true }
  },
}
