// The engine's epoll loop: connections it stops reading must not keep it awake.
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
