// The engine's readiness loop: connections it stops reading must not keep it awake.
// Written for epoll (Linux), where these were bugs; they hold as well for the poll
// backend macOS and Windows use, so they run everywhere.
import test from 'ava'
import { setTimeout as sleep } from 'node:timers/promises'
import { startServer } from './helpers/server.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'

/** CPU milliseconds this process (every thread, the engine's included) uses while `fn` runs. */
async function cpuMsDuring(fn) {
  const before = process.cpuUsage()
  await fn()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000
}

test.serial('a connection paused behind a slow response leaves the engine idle, then every pipelined request is answered in order', async (t) => {
  // Far more pipelined bytes than the engine buffers (256 KiB) while the first
  // request waits, so it stops reading the connection. With epoll, a paused
  // connection still registered for reading would wake the loop at once,
  // over and over, for as long as the response takes.
  const HOLD_MS = 900
  let release
  const held = new Promise((resolve) => (release = resolve))
  const { port } = await startServer(t, async (req, reply) => {
    if (req.url === '/0') await held
    reply.send(200, { 'X-Path': req.url }, req.url)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  const count = 2000
  const padding = { 'X-Padding': 'p'.repeat(200) }
  let burst = ''
  for (let i = 0; i < count; i++) burst += requestHead('GET', `/${i}`, padding)
  t.true(burst.length > 400 * 1024)
  void client.write(burst)
  await sleep(150) // the engine reads what it may, then pauses the connection

  const cpuMs = await cpuMsDuring(() => sleep(HOLD_MS - 150))
  // A spinning loop thread costs about one CPU millisecond per millisecond.
  t.true(cpuMs < (HOLD_MS - 150) / 3, `CPU used while paused: ${cpuMs.toFixed(0)} ms`)

  release()
  const responses = await client.readResponses(count, { timeout: 15_000 })
  t.is(responses.length, count)
  t.deepEqual(
    responses.map((r) => r.header('x-path')),
    Array.from({ length: count }, (_, i) => `/${i}`),
  )
})

test.serial('after a response that had to wait for the socket, and beside 2,000 idle connections, the engine sleeps', async (t) => {
  // The 8 MiB response fills the socket, so the engine waits for it to become
  // writable; once all is sent it must stop asking, or epoll reports the
  // socket writable, and wakes the loop, on every pass. The idle connections
  // are there so that a loop visiting every connection each pass shows too.
  const body = Buffer.alloc(8 * 1024 * 1024, 7)
  // A long keep-alive timeout: on a loaded machine, opening 2,000 connections
  // can take longer than the default 5 s, which would close the first ones.
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, req.url === '/big' ? body : 'ok'), { keepAliveTimeout: 120_000 })
  const idle = await Promise.all(Array.from({ length: 2000 }, () => RawClient.connect(port)))
  t.teardown(() => idle.forEach((c) => c.destroy()))
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  client.socket.pause()
  await client.write(requestHead('GET', '/big'))
  await sleep(200) // the engine has filled the socket and waits for room
  client.socket.resume()
  const [res] = await client.readResponses(1, { timeout: 10_000 })
  t.is(res.body.length, body.length)

  const cpuMs = await cpuMsDuring(() => sleep(600))
  t.true(cpuMs < 200, `CPU used while idle: ${cpuMs.toFixed(0)} ms`)
  // Every connection still answers.
  await Promise.all(idle.slice(0, 50).map((c) => c.write(requestHead('GET', '/small'))))
  const answers = await Promise.all(idle.slice(0, 50).map((c) => c.readResponses(1)))
  t.true(answers.every(([r]) => r.status === 200 && r.body.toString() === 'ok'))
})
