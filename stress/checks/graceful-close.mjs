// Graceful close under load: 50 keep-alive clients fetch 128 KiB responses
// one after another; after a second the server is closed (node:http's
// `server.close()`), the clients go on for 1.5 s more, then stop. No
// response may be cut short; requests the server closed on without a byte
// of answer are counted (a client retries those); 'close' must follow once
// the connections are gone, and new connections must be refused meanwhile.
// As node:http's close() does, it closes the connections that are between
// requests at that moment, so a client whose next request was on its way
// gets no answer on both servers; the clients count those.
import { KeepAlive, connect, get, sleep } from '../lib/client.mjs'
import { startHttpServer } from '../lib/server.mjs'
import { count, duration } from '../lib/table.mjs'

const CLIENTS = 50
const REQUEST = 'GET /big?n=131072 HTTP/1.1\r\nHost: t\r\n\r\n'

/** One client: requests until `stop()` or the connection ends; what happened. */
async function client(port, stop) {
  const out = { complete: 0, truncated: 0, unanswered: 0, toldClose: 0, connectFailed: 0 }
  let ka
  try {
    ka = await KeepAlive.open(port)
  } catch {
    out.connectFailed++
    return out
  }
  while (!stop()) {
    const r = await ka.request(REQUEST)
    if (r.status === 200 && r.bodyLength === 131072) {
      out.complete++
      if (/close/i.test(r.headers.connection ?? '')) {
        out.toldClose++
        break
      }
      continue
    }
    if (r.status !== undefined || r.partial) out.truncated++
    else if (!r.unsent) out.unanswered++
    break
  }
  ka.close()
  return out
}

export const gracefulClose = {
  id: 'graceful',
  title: 'Graceful close under load: server.close() amid 50 keep-alive clients of 128 KiB responses',
  async run(target) {
    const server = await startHttpServer(target, { keepAliveTimeout: 1000 })
    try {
      await get(server.port, '/')
      let stopAt = Infinity
      const clients = Array.from({ length: CLIENTS }, () => client(server.port, () => Date.now() >= stopAt))
      await sleep(1000)
      const closing = Date.now()
      const closed = server.ask({ cmd: 'close' }, 'closed', 15_000).then(
        () => Date.now() - closing,
        () => null,
      )
      stopAt = closing + 1500
      await sleep(300)
      let refused = false
      try {
        ;(await connect(server.port, { timeoutMs: 2000 })).destroy()
      } catch (err) {
        refused = err.code === 'ECONNREFUSED'
      }
      const results = await Promise.all(clients)
      const closeMs = await closed
      const sum = (k) => results.reduce((n, r) => n + r[k], 0)
      const r = {
        complete: sum('complete'),
        truncated: sum('truncated'),
        unanswered: sum('unanswered'),
        toldClose: sum('toldClose'),
        refusedNew: refused,
        closeMs,
        alive: server.alive(),
      }
      r.cell =
        `${count(r.complete)} complete, ${r.truncated} cut short, ${r.unanswered} unanswered; ` +
        `new connections ${refused ? 'refused' : 'ACCEPTED'}; 'close' ${closeMs === null ? 'NEVER came' : `after ${duration(closeMs)}`}`
      return r
    } finally {
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (mg.truncated > node.truncated) return { ok: false, why: `${mg.truncated} responses cut short` }
    // Which connections are between requests when close() runs is chance: a margin of 10% of the clients.
    if (mg.unanswered > node.unanswered + CLIENTS / 10) return { ok: false, why: `${mg.unanswered} requests unanswered against ${node.unanswered}` }
    if (!mg.refusedNew) return { ok: false, why: 'new connections were accepted after close()' }
    if (mg.closeMs === null) return { ok: false, why: "'close' never came" }
    return { ok: true }
  },
}
