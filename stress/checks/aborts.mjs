// Clients that leave mid-request (half a body sent, then a reset) and
// mid-response (64 KiB of an 8 MiB response read, then a reset). The app
// must hear of each (its request 'aborted', its response 'close' before
// finishing), and the server must let go of every connection: descriptors
// back where they were, and serving still.
import { connect, get, pool, sleep } from '../lib/client.mjs'
import { fds, rss } from '../lib/proc.mjs'
import { startHttpServer } from '../lib/server.mjs'
import { mib } from '../lib/table.mjs'

const AT_ONCE = 20
const KiB = 1024

/** Sends the head and 100 KiB of a 1 MB body, then resets the connection. */
async function leaveMidRequest(port) {
  const socket = await connect(port)
  socket.on('error', () => {})
  await new Promise((resolve) => socket.write('POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n', resolve))
  await new Promise((resolve) => socket.write(Buffer.alloc(100 * KiB, 'b'), resolve))
  // Time for a busy server to read the head: a reset before that takes the unread bytes with it.
  await sleep(100)
  socket.resetAndDestroy()
}

/** Asks for 8 MiB, reads 64 KiB of it, then resets the connection. */
async function leaveMidResponse(port) {
  const socket = await connect(port)
  socket.on('error', () => {})
  socket.write(`GET /big?n=${8 * 1024 * KiB} HTTP/1.1\r\nHost: t\r\n\r\n`)
  let got = 0
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000)
    socket.on('data', (d) => {
      got += d.length
      if (got >= 64 * KiB) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  socket.resetAndDestroy()
  return got >= 64 * KiB
}

/** Polls `stats()` until `done(stats)` or `ms` pass; the last stats. */
async function settle(server, done, ms = 5000) {
  const deadline = Date.now() + ms
  let stats = await server.stats()
  while (!done(stats) && Date.now() < deadline) {
    await sleep(100)
    stats = await server.stats()
  }
  return stats
}

export const aborts = {
  id: 'aborts',
  title: 'Client aborts: 500 resets mid-request body, 300 mid-response',
  async run(target, ctx) {
    const midRequest = ctx.quick ? 100 : 500
    const midResponse = ctx.quick ? 60 : 300
    const server = await startHttpServer(target)
    try {
      await get(server.port, '/')
      const seenBefore = (await server.stats()).requests
      await sleep(200)
      const fdsBefore = fds(server.pid)
      const rssBefore = rss(server.pid)
      await pool(midRequest, AT_ONCE, () => leaveMidRequest(server.port))
      const afterRequests = await settle(server, (s) => s.bodiesAborted >= midRequest)
      // A reset that comes before the server read the head takes the head with it: no request to abort.
      const requestsSeen = afterRequests.requests - seenBefore
      const reached = (await pool(midResponse, AT_ONCE, () => leaveMidResponse(server.port))).filter(Boolean).length
      // Responses of the aborted requests were cut too: count from here.
      const cutBefore = afterRequests.responsesCut
      const afterResponses = await settle(server, (s) => s.responsesCut - cutBefore >= reached)
      const responsesCut = afterResponses.responsesCut - cutBefore
      // Descriptors are let go as the server learns of each reset.
      const deadline = Date.now() + 5000
      while (fds(server.pid) > fdsBefore && Date.now() < deadline) await sleep(100)
      const fdLeak = fds(server.pid) - fdsBefore
      const health = await get(server.port, '/')
      const alive = server.alive() && health.status === 200
      return {
        midRequest,
        requestsSeen,
        bodiesAborted: afterRequests.bodiesAborted,
        midResponse: reached,
        responsesCut,
        fdLeak,
        rssGrowth: rss(server.pid) - rssBefore,
        alive,
        cell:
          `app heard ${afterRequests.bodiesAborted}/${midRequest} request aborts` +
          `${requestsSeen < midRequest ? ` (${requestsSeen} requests reached it)` : ''} and ${responsesCut}/${reached} response closes; ` +
          `descriptors ${fdLeak > 0 ? `+${fdLeak}` : 'back to start'}, RSS ${mib(rss(server.pid) - rssBefore, true)}; ${alive ? 'serving after' : 'NOT serving'}`,
      }
    } finally {
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (!mg.alive) return { ok: false, why: 'mgnode stopped serving' }
    if (mg.bodiesAborted < mg.requestsSeen) return { ok: false, why: `the app saw ${mg.requestsSeen} requests and heard ${mg.bodiesAborted} of them aborted` }
    if (mg.requestsSeen < node.requestsSeen) return { ok: false, why: `${mg.requestsSeen} requests reached the app against ${node.requestsSeen}` }
    if (mg.responsesCut < Math.min(node.responsesCut, mg.midResponse)) return { ok: false, why: `the app heard ${mg.responsesCut} response closes against ${node.responsesCut}` }
    if (mg.fdLeak > Math.max(node.fdLeak, 0)) return { ok: false, why: `${mg.fdLeak} descriptors not let go` }
    return { ok: true }
  },
}
