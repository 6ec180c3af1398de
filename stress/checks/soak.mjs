// A soak: a million hello-world requests (wrk, 50 keep-alive connections, in
// 5 s runs until the count is reached), with the server's memory and open
// descriptors at the start, after the first run (warm: JIT code, heaps and
// allocator arenas grown), at the peak and at the end (once idle again).
// Nothing may fail, nothing may leak: memory after the first run stays flat.
import { get, sleep } from '../lib/client.mjs'
import { fds, rss } from '../lib/proc.mjs'
import { startHttpServer } from '../lib/server.mjs'
import { count, mib } from '../lib/table.mjs'
import { wrk } from '../lib/wrk.mjs'

const MiB = 1024 * 1024

export const soak = {
  id: 'soak',
  title: 'Soak: 1,000,000 requests (wrk, 50 connections); RSS and descriptors at start and end',
  async run(target, ctx) {
    const total = ctx.quick ? 100_000 : 1_000_000
    const capS = ctx.quick ? 30 : 150
    const slice = ctx.quick ? 2 : 5
    const server = await startHttpServer(target)
    try {
      // Start: after one request, so both servers have loaded what serving needs.
      await get(server.port, '/')
      await sleep(200)
      const start = { rss: rss(server.pid), fds: fds(server.pid) }
      let peak = start.rss
      let warm = null
      const sum = { requests: 0, errors: 0, non2xx: 0, seconds: 0 }
      while (sum.requests < total && sum.seconds < capS) {
        const r = await wrk(server.port, { connections: 50, seconds: slice })
        sum.requests += r.requests
        sum.errors += r.errors
        sum.non2xx += r.non2xx
        sum.seconds += slice
        peak = Math.max(peak, rss(server.pid))
        warm ??= rss(server.pid)
      }
      // End: once wrk's connections are gone.
      await sleep(1500)
      const end = { rss: rss(server.pid), fds: fds(server.pid) }
      const alive = server.alive()
      return {
        ...sum,
        reached: sum.requests >= total,
        start,
        warm,
        peak,
        end,
        alive,
        cell:
          `${count(sum.requests)} requests in ${sum.seconds} s, ${sum.errors + sum.non2xx} failed; ` +
          `RSS ${mib(start.rss)} at start, ${mib(warm)} after the first ${slice} s, ${mib(end.rss)} at the end (peak ${mib(peak)}); ` +
          `descriptors ${start.fds} → ${end.fds}`,
      }
    } finally {
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (!mg.alive) return { ok: false, why: 'mgnode died' }
    if (!mg.reached) return { ok: false, why: `only ${count(mg.requests)} requests in the time allowed` }
    if (mg.errors + mg.non2xx > node.errors + node.non2xx) return { ok: false, why: `${mg.errors + mg.non2xx} failed requests` }
    if (mg.end.fds - mg.start.fds > Math.max(0, node.end.fds - node.start.fds)) return { ok: false, why: 'descriptors leaked' }
    const growth = mg.end.rss - mg.warm
    const nodeGrowth = node.end.rss - node.warm
    if (growth > Math.max(1.25 * nodeGrowth, 16 * MiB)) return { ok: false, why: `RSS grew ${mib(growth)} once warm against ${mib(nodeGrowth)}` }
    return { ok: true }
  },
}
