// Half-close: clients send their requests and then end their side (FIN)
// while waiting for the answers, as `curl` piping a file or a proxy
// forwarding an EOF does. Every request sent must be answered, then the
// server must close.
import net from 'node:net'

import { HOST, collect, get, pool, sleep } from '../lib/client.mjs'
import { parseResponses } from '../lib/http-response.mjs'
import { startHttpServer } from '../lib/server.mjs'

const AT_ONCE = 20
const GET = 'GET / HTTP/1.1\r\nHost: t\r\n\r\n'
const BODY = 'x'.repeat(10 * 1024)

const CASES = [
  { name: 'GET, FIN', parts: [GET], answers: 1 },
  { name: '3 pipelined GETs, FIN', parts: [GET + GET + GET], answers: 3 },
  { name: 'POST of 10 KiB, FIN', parts: [`POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`], answers: 1 },
  { name: 'GET in two pieces, FIN', parts: ['GET / HTTP/1.1\r\nHo', 'st: t\r\n\r\n'], answers: 1 },
]

/** Sends `parts` (20 ms apart), ends the sending side, reads until the server closes. */
async function halfClose(port, c) {
  const socket = net.connect({ port, host: HOST, allowHalfOpen: true })
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  const reply = collect(socket, { quietMs: 3000, maxMs: 3000 })
  for (const [i, part] of c.parts.entries()) {
    if (i > 0) await sleep(20)
    socket.write(part)
  }
  socket.end()
  const got = await reply
  socket.destroy()
  const { responses } = parseResponses(got.data, got.closed)
  return { answered: responses.filter((r) => r.status === 200).length, closed: got.closed }
}

export const halfCloseCheck = {
  id: 'half-close',
  title: 'Half-close: requests then the client’s FIN (one GET, 3 pipelined, a POST body, a GET in pieces)',
  async run(target, ctx) {
    const n = ctx.quick ? 50 : 200
    const server = await startHttpServer(target)
    try {
      await get(server.port, '/')
      const cases = []
      for (const c of CASES) {
        const results = await pool(n, AT_ONCE, () => halfClose(server.port, c))
        cases.push({
          name: c.name,
          complete: results.filter((r) => r.answered === c.answers).length,
          closed: results.filter((r) => r.closed).length,
        })
      }
      const complete = cases.reduce((k, c) => k + c.complete, 0)
      const closed = cases.reduce((k, c) => k + c.closed, 0)
      return {
        n,
        cases,
        complete,
        closed,
        cell: `${complete}/${n * CASES.length} connections got every answer, ${closed} closed after (${cases.map((c) => `${c.name}: ${c.complete}`).join(', ')})`,
      }
    } finally {
      await server.stop()
    }
  },
  verdict(mg, node) {
    for (const [i, c] of mg.cases.entries()) {
      if (c.complete < node.cases[i].complete) return { ok: false, why: `${c.name}: ${c.complete} answered in full against ${node.cases[i].complete}` }
    }
    if (mg.closed < node.closed) return { ok: false, why: `${mg.closed} closed against ${node.closed}` }
    return { ok: true }
  },
}
