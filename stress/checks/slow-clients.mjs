// Slowloris and slow bodies: many clients trickle a request a few bytes at
// a time while others make ordinary requests. The server must close each
// slow one once its timeout passes (with 408 where it can answer) and keep
// serving the rest meanwhile. Both servers get the same timeouts, checked
// at the same pace (see servers/http-server.mjs).
import { connect, get, sleep } from '../lib/client.mjs'
import { startHttpServer } from '../lib/server.mjs'
import { count, duration } from '../lib/table.mjs'

const HEADERS_TIMEOUT = 2000
const REQUEST_TIMEOUT = 3000
/** A slow client is closed in time if within its timeout plus this. */
const SLACK = 1500
/** How often a slow client sends its next bytes. */
const TRICKLE_MS = 250
/** Longest a slow client keeps going if the server never closes it. */
const GIVE_UP_MS = 10_000

/** One slow client: sends `head`, then `piece` every TRICKLE_MS until the server closes; when, and what it answered. */
async function trickle(port, head, piece) {
  const socket = await connect(port)
  const started = Date.now()
  let data = ''
  socket.on('data', (d) => (data += d.toString('latin1')))
  socket.on('error', () => {})
  const closed = new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)))
  socket.write(head)
  let closedAfter = null
  closed.then((ms) => (closedAfter = ms))
  while (closedAfter === null && Date.now() - started < GIVE_UP_MS) {
    await sleep(TRICKLE_MS)
    if (!socket.destroyed) socket.write(piece, () => {})
  }
  socket.destroy()
  return { closedAfter, status: /^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? null }
}

/** Ordinary requests, one after another on fresh connections, until `stop()`; their outcomes. */
async function ordinaryTraffic(port, stopped) {
  let ok = 0
  let failed = 0
  let slowestMs = 0
  while (!stopped()) {
    const t0 = Date.now()
    const res = await get(port, '/', { maxMs: 3000 })
    slowestMs = Math.max(slowestMs, Date.now() - t0)
    if (res.status === 200) ok++
    else failed++
  }
  return { ok, failed, slowestMs }
}

function slowCheck({ id, title, head, piece, limit }) {
  return {
    id,
    title,
    async run(target, ctx) {
      const clients = ctx.quick ? 50 : 200
      const server = await startHttpServer(target, { headersTimeout: HEADERS_TIMEOUT, requestTimeout: REQUEST_TIMEOUT })
      try {
        let done = false
        const traffic = ordinaryTraffic(server.port, () => done)
        const slow = await Promise.all(Array.from({ length: clients }, () => trickle(server.port, head, piece)))
        done = true
        const normal = await traffic
        const closed = slow.filter((s) => s.closedAfter !== null)
        const inTime = closed.filter((s) => s.closedAfter <= limit + SLACK).length
        const answered408 = slow.filter((s) => s.status === '408').length
        const slowest = Math.max(0, ...closed.map((s) => s.closedAfter))
        return {
          clients,
          closed: closed.length,
          inTime,
          answered408,
          slowestCloseMs: slowest,
          normal,
          alive: server.alive(),
          cell:
            `${inTime}/${clients} closed in time (last after ${duration(slowest)}), ${answered408} with 408; ` +
            `${count(normal.ok)} ordinary requests served meanwhile, ${normal.failed} failed`,
        }
      } finally {
        await server.stop()
      }
    },
    verdict(mg, node) {
      if (!mg.alive) return { ok: false, why: 'mgnode died' }
      if (mg.inTime < node.inTime) return { ok: false, why: `${mg.inTime} slow clients closed in time against ${node.inTime}` }
      if (mg.normal.failed > node.normal.failed) return { ok: false, why: `${mg.normal.failed} ordinary requests failed against ${node.normal.failed}` }
      return { ok: true }
    },
  }
}

export const slowloris = slowCheck({
  id: 'slowloris',
  title: `Slowloris: request heads a byte every ${TRICKLE_MS} ms (headersTimeout ${HEADERS_TIMEOUT} ms)`,
  head: 'GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ',
  piece: 'a',
  limit: HEADERS_TIMEOUT,
})

export const slowBody = slowCheck({
  id: 'slow-body',
  title: `Slow bodies: 16 bytes every ${TRICKLE_MS} ms of a 100 kB body (requestTimeout ${REQUEST_TIMEOUT} ms)`,
  head: 'POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n',
  piece: 'x'.repeat(16),
  limit: REQUEST_TIMEOUT,
})
