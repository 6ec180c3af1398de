// Oversized heads and bodies: heads past the 16 KiB limit (one long header,
// thousands of headers, a long target, a head that never ends) and 64 MiB
// bodies (with a length, and chunked) sent to an app that reads them. Each
// must be refused or served without the server's memory following the
// client's bytes; the server must still serve afterwards.
import { connect, get, sleep } from '../lib/client.mjs'
import { rss } from '../lib/proc.mjs'
import { startHttpServer } from '../lib/server.mjs'
import { mib } from '../lib/table.mjs'

const KiB = 1024
const MiB = 1024 * KiB
const BODY = 64 * MiB
const BLOCK = Buffer.alloc(64 * KiB, 'a')
/** Longest one case may take. */
const CASE_MS = 20_000

function chunkedBody(size) {
  const framed = Buffer.concat([Buffer.from(`${BLOCK.length.toString(16)}\r\n`), BLOCK, Buffer.from('\r\n')])
  return { blocks: size / BLOCK.length, block: framed, tail: Buffer.from('0\r\n\r\n') }
}

const CASES = [
  { name: 'a 64 KiB header', head: `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(64 * KiB)}\r\n\r\n` },
  { name: '4,000 headers', head: `GET / HTTP/1.1\r\nHost: t\r\n${Array.from({ length: 4000 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n` },
  { name: 'a 64 KiB target', head: `GET /${'a'.repeat(64 * KiB)} HTTP/1.1\r\nHost: t\r\n\r\n` },
  { name: 'a head that never ends', head: 'GET / HTTP/1.1\r\nHost: t\r\nX-Endless: ', blocks: (8 * MiB) / BLOCK.length, block: BLOCK },
  { name: 'a 64 MiB body', head: `POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: ${BODY}\r\n\r\n`, blocks: BODY / BLOCK.length, block: BLOCK },
  { name: 'a 64 MiB chunked body', head: 'POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n', ...chunkedBody(BODY) },
]

/** Sends one case as fast as the server takes it; what came back, and how much the server took. */
async function blast(port, c, pid) {
  const socket = await connect(port)
  let reply = ''
  let closed = false
  let peakRss = rss(pid)
  socket.on('data', (d) => (reply += d.toString('latin1', 0, Math.min(d.length, 200))))
  const ended = new Promise((resolve) => socket.once('close', resolve))
  ended.then(() => (closed = true))
  socket.on('error', () => {})
  const deadline = Date.now() + CASE_MS
  // A server that stops reading without closing must not hold the case past its deadline.
  const write = (buf) =>
    Promise.race([new Promise((resolve) => socket.write(buf, (err) => resolve(!err))), sleep(Math.max(0, deadline - Date.now())).then(() => false)])
  let sent = 0
  if (await write(c.head)) sent += c.head.length
  for (let i = 0; i < (c.blocks ?? 0) && !closed && Date.now() < deadline; i++) {
    if (!(await write(c.block))) break
    sent += c.block.length
    if (i % 64 === 0) peakRss = Math.max(peakRss, rss(pid))
  }
  if (c.tail && !closed && (await write(c.tail))) sent += c.tail.length
  // The answer, or the close, within the time left.
  const waitUntil = Math.min(deadline, Date.now() + 5000)
  while (!closed && !/^HTTP\/1\.[01] \d{3}[^]*\r\n\r\n/.test(reply) && Date.now() < waitUntil) {
    peakRss = Math.max(peakRss, rss(pid))
    await sleep(50)
  }
  socket.destroy()
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? null
  return { name: c.name, status: status === null ? null : Number(status), sent, closed, peakRss }
}

/** A case's outcome in a few words. */
function describe(r) {
  const answer = r.status === null ? 'closed, no answer' : String(r.status)
  return r.sent > 256 * KiB && r.status !== 200 ? `${answer} after ${mib(r.sent)} sent` : answer
}

export const oversized = {
  id: 'oversized',
  title: 'Oversized heads (64 KiB header, 4,000 headers, 64 KiB target, endless head) and 64 MiB bodies',
  async run(target) {
    const server = await startHttpServer(target)
    try {
      await get(server.port, '/')
      const rssBefore = rss(server.pid)
      const cases = []
      for (const c of CASES) cases.push(await blast(server.port, c, server.pid))
      const health = await get(server.port, '/')
      const peak = Math.max(...cases.map((c) => c.peakRss))
      return {
        cases,
        rssBefore,
        peakGrowth: peak - rssBefore,
        alive: server.alive() && health.status === 200,
        cell: `${cases.map((c) => `${c.name}: ${describe(c)}`).join('; ')}; peak RSS ${mib(peak - rssBefore, true)}; ${server.alive() ? 'serving after' : 'DIED'}`,
      }
    } finally {
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (!mg.alive) return { ok: false, why: 'mgnode stopped serving' }
    for (const [i, c] of mg.cases.entries()) {
      const n = node.cases[i]
      const handled = (c.status !== null && c.status >= 400 && c.status < 500) || c.status === n.status
      if (!handled) return { ok: false, why: `${c.name}: ${describe(c)} where node:http gave ${describe(n)}` }
    }
    if (mg.peakGrowth > Math.max(1.25 * node.peakGrowth, 32 * MiB)) {
      return { ok: false, why: `memory grew ${mib(mg.peakGrowth)} against ${mib(node.peakGrowth)}` }
    }
    return { ok: true }
  },
}
