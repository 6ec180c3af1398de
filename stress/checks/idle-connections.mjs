// 10,000 idle connections beside normal traffic: the server holds them all
// (its timeouts are set well past the check's length) while wrk's requests
// go on being served; what they cost in memory is measured.
import net from 'node:net'

import { HOST, get, sleep } from '../lib/client.mjs'
import { fds, rss } from '../lib/proc.mjs'
import { startHttpServer } from '../lib/server.mjs'
import { count, duration, mib } from '../lib/table.mjs'
import { wrk } from '../lib/wrk.mjs'

/** Connections opened at once while the idle ones are set up. */
const OPENING = 200

/** Opens `n` connections that send nothing; resolves them with how many failed to connect. */
async function openIdle(port, n) {
  const sockets = []
  let failed = 0
  let closedByServer = 0
  for (let start = 0; start < n; start += OPENING) {
    const batch = Array.from({ length: Math.min(OPENING, n - start) }, () =>
      new Promise((resolve) => {
        const s = net.connect({ port, host: HOST })
        s.once('connect', () => {
          s.removeAllListeners('error')
          s.on('error', () => {})
          s.once('close', () => closedByServer++)
          resolve(s)
        })
        s.once('error', () => {
          failed++
          resolve(null)
        })
      }),
    )
    for (const s of await Promise.all(batch)) if (s) sockets.push(s)
  }
  return { sockets, failed, closedByServer: () => closedByServer }
}

export const idleConnections = {
  id: 'idle',
  title: '10,000 idle connections beside normal traffic (wrk, 20 connections)',
  async run(target, ctx) {
    const n = ctx.quick ? 2000 : 10_000
    const seconds = ctx.quick ? 3 : 5
    const timeouts = { keepAliveTimeout: 120_000, headersTimeout: 120_000, requestTimeout: 240_000 }
    const server = await startHttpServer(target, timeouts, { fdLimit: n + 1024 })
    let idle = null
    try {
      await get(server.port, '/')
      const rssBefore = rss(server.pid)
      const fdsBefore = fds(server.pid)
      idle = await openIdle(server.port, n)
      // Accepting may lag connecting a little (a few descriptors come and go meanwhile).
      for (let i = 0; i < 50 && fds(server.pid) < fdsBefore + idle.sockets.length - 8; i++) await sleep(100)
      const rssIdle = rss(server.pid)
      const load = await wrk(server.port, { connections: 20, seconds })
      const held = idle.sockets.length - idle.closedByServer()
      const rssAfterLoad = rss(server.pid)
      return {
        idle: n,
        connectFailures: idle.failed,
        held,
        rssBefore,
        rssIdle,
        rssAfterLoad,
        rssPerIdleKiB: (rssIdle - rssBefore) / 1024 / n,
        load,
        alive: server.alive(),
        cell:
          `${count(held)}/${count(n)} held, ${mib(rssIdle - rssBefore, true)} for them; beside them ` +
          `${count(load.requests)} requests (${count(load.rps)}/s), ${load.errors + load.non2xx} errors, p99 ${duration(load.p99Ms)}`,
      }
    } finally {
      for (const s of idle?.sockets ?? []) s.destroy()
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (!mg.alive) return { ok: false, why: 'mgnode died' }
    if (mg.held < node.held) return { ok: false, why: `held ${mg.held} idle connections against ${node.held}` }
    const mgErrors = mg.load.errors + mg.load.non2xx
    const nodeErrors = node.load.errors + node.load.non2xx
    if (mgErrors > nodeErrors) return { ok: false, why: `${mgErrors} failed requests against ${nodeErrors}` }
    if (mg.rssIdle - mg.rssBefore > Math.max(1.25 * (node.rssIdle - node.rssBefore), 8 << 20)) {
      return { ok: false, why: 'idle connections cost more memory' }
    }
    return { ok: true }
  },
}
