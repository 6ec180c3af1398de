// Worker crashes under load: an app whose workers die on every 500th
// request they get (an uncaught exception outside the request), served by
// mgnode's `Server` on 2 worker threads and by node:cluster on 2 worker
// processes forked again as they die. 20 keep-alive clients (reconnecting
// when their connection goes) record every answer; the measure is the
// longest time in which no request was answered, and the server must still
// be serving at the end.
import { KeepAlive, get, sleep } from '../lib/client.mjs'
import { startServer } from '../lib/server.mjs'
import { count, duration } from '../lib/table.mjs'

const CLIENTS = 20
const REQUEST = 'GET / HTTP/1.1\r\nHost: t\r\n\r\n'

/** One client until `deadline`: times of its answered requests, and its failures. */
async function client(port, deadline) {
  const answered = []
  let failed = 0
  let ka = null
  while (Date.now() < deadline) {
    if (ka === null) {
      try {
        ka = await KeepAlive.open(port, { timeoutMs: 2000 })
      } catch {
        failed++
        await sleep(10)
        continue
      }
    }
    const r = await ka.request(REQUEST, 5000)
    if (r.status === 200) {
      answered.push(Date.now())
      continue
    }
    failed++
    if (r.status === undefined || /close/i.test(r.headers?.connection ?? '')) {
      ka.close()
      ka = null
    }
  }
  ka?.close()
  return { answered, failed }
}

export const workerCrashes = {
  id: 'crashes',
  title: "Worker crashes under load: every worker dies on its 500th request (mgnode Server, 2 workers; node:cluster, 2 workers)",
  async run(target, ctx) {
    const seconds = ctx.quick ? 5 : 10
    const server = await startServer(target === 'mgnode' ? 'mgnode-workers.mjs' : 'node-cluster.mjs', [])
    try {
      await get(server.port, '/')
      const started = Date.now()
      const results = await Promise.all(Array.from({ length: CLIENTS }, () => client(server.port, started + seconds * 1000)))
      const times = results.flatMap((r) => r.answered).sort((a, b) => a - b)
      // From the start to the first answer, between answers, and from the last to the end.
      const marks = [started, ...times, started + seconds * 1000]
      let longestGap = 0
      for (let i = 1; i < marks.length; i++) longestGap = Math.max(longestGap, marks[i] - marks[i - 1])
      const failed = results.reduce((n, r) => n + r.failed, 0)
      const health = await get(server.port, '/')
      const restarts = (server.stderr.match(/restart/g) ?? []).length
      return {
        seconds,
        answered: times.length,
        failed,
        restarts,
        longestGapMs: longestGap,
        servingAfter: server.alive() && health.status === 200,
        cell:
          `${count(times.length)} answered, ${count(failed)} failed, ${restarts} worker restarts; ` +
          `longest time without an answer ${duration(longestGap)}; ${health.status === 200 ? 'serving after' : 'NOT serving after'}`,
      }
    } finally {
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (!mg.servingAfter) return { ok: false, why: 'mgnode stopped serving' }
    if (mg.restarts === 0) return { ok: false, why: 'no worker crashed: the check did not test anything' }
    // Gaps are a few scheduling slices on a busy machine: a margin of 50 ms.
    if (mg.longestGapMs > node.longestGapMs + 50) return { ok: false, why: `longest gap ${duration(mg.longestGapMs)} against ${duration(node.longestGapMs)}` }
    return { ok: true }
  },
}
