// TLS garbage and truncated handshakes on an https server (EC P-256
// certificate): random bytes, plain HTTP, ClientHellos cut short and then
// dropped, and ClientHellos cut short and left hanging. The server must close
// what cannot be a handshake, let go of every connection, and still complete
// real handshakes afterwards.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'

import { HOST, collect, connect, get, pool, sleep } from '../lib/client.mjs'
import { fds } from '../lib/proc.mjs'
import { Random } from '../lib/random.mjs'
import { startHttpServer } from '../lib/server.mjs'

const AT_ONCE = 32
/** How long a left-hanging handshake is watched for the server to close it. */
const HANG_MS = 8000

let material = null

/** A self-signed EC P-256 certificate made with openssl, once per run. */
function certificate() {
  if (material !== null) return material
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-stress-tls-'))
  try {
    const key = path.join(dir, 'key.pem')
    const cert = path.join(dir, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
    material = { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return material
}

let hello = null

/** The first flight of a real TLS client (its ClientHello), caught by a plain TCP server. */
async function clientHello() {
  if (hello !== null) return hello
  const catcher = net.createServer()
  await new Promise((resolve) => catcher.listen(0, HOST, resolve))
  const caught = new Promise((resolve) => catcher.once('connection', (s) => s.once('data', (d) => (resolve(d), s.destroy()))))
  const client = tls.connect({ port: catcher.address().port, host: HOST, servername: 'localhost', rejectUnauthorized: false })
  client.on('error', () => {})
  hello = await caught
  client.destroy()
  catcher.close()
  return hello
}

/** Sends `bytes`; whether the server closed the connection within `ms` (false: it was still open). */
async function closedBy(port, bytes, ms) {
  let socket
  try {
    socket = await connect(port)
  } catch {
    return false
  }
  socket.write(bytes, () => {})
  const got = await collect(socket, { quietMs: ms, maxMs: ms })
  socket.destroy()
  return got.closed
}

/** Sends a ClientHello cut short, then drops the connection. */
async function dropHalfway(port, bytes) {
  try {
    const socket = await connect(port)
    socket.on('error', () => {})
    socket.write(bytes)
    await sleep(50)
    socket.destroy()
  } catch {}
}

export const tlsGarbage = {
  id: 'tls',
  title: 'TLS garbage and truncated handshakes (random bytes, plain HTTP, ClientHellos cut short)',
  async run(target, ctx) {
    const n = ctx.quick ? 100 : 500
    const hanging = ctx.quick ? 10 : 20
    const r = new Random(ctx.seed)
    const full = await clientHello()
    const cut = () => full.subarray(0, r.between(1, full.length - 1))
    const server = await startHttpServer(target, { tls: certificate() })
    try {
      await get(server.port, '/', { secure: true })
      await sleep(200)
      const fdsBefore = fds(server.pid)
      const garbage = await pool(n, AT_ONCE, () => closedBy(server.port, r.bytes(r.between(1, 2048)), 3000))
      const plain = await pool(n, AT_ONCE, () => closedBy(server.port, 'GET / HTTP/1.1\r\nHost: t\r\n\r\n', 3000))
      const prefixes = Array.from({ length: n }, cut)
      await pool(n, AT_ONCE, (i) => dropHalfway(server.port, prefixes[i]))
      const hung = await Promise.all(Array.from({ length: hanging }, () => closedBy(server.port, cut(), HANG_MS)))
      const deadline = Date.now() + 5000
      while (fds(server.pid) > fdsBefore && Date.now() < deadline) await sleep(100)
      const fdLeak = fds(server.pid) - fdsBefore
      const health = await get(server.port, '/', { secure: true })
      const result = {
        garbageClosed: garbage.filter(Boolean).length,
        plainClosed: plain.filter(Boolean).length,
        hangingClosed: hung.filter(Boolean).length,
        n,
        hanging,
        fdLeak,
        handshakesAfter: health.status === 200,
        alive: server.alive(),
      }
      result.cell =
        `closed ${result.garbageClosed}/${n} garbage and ${result.plainClosed}/${n} plain-HTTP connections within 3 s, ` +
        `${result.hangingClosed}/${hanging} hanging handshakes within ${HANG_MS / 1000} s; ${n} dropped halfway; ` +
        `descriptors ${fdLeak > 0 ? `+${fdLeak}` : 'back to start'}; ${result.handshakesAfter ? 'handshakes fine after' : 'NO handshake after'}`
      return result
    } finally {
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (!mg.alive || !mg.handshakesAfter) return { ok: false, why: 'mgnode no longer completes handshakes' }
    for (const key of ['garbageClosed', 'plainClosed', 'hangingClosed']) {
      if (mg[key] < node[key]) return { ok: false, why: `${key}: ${mg[key]} against ${node[key]}` }
    }
    if (mg.fdLeak > Math.max(node.fdLeak, 0)) return { ok: false, why: `${mg.fdLeak} descriptors not let go` }
    return { ok: true }
  },
}
