// How a batch of requests reaches handlers: async handlers one after another, none held up by I/O.
import test from 'ava'
import { AsyncLocalStorage } from 'node:async_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { startServer, Manager } from './helpers/server.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'

/** Opens `n` connections, then sends one request on each at once; resolves with the responses. */
async function burst(port, paths) {
  const clients = await Promise.all(paths.map(() => RawClient.connect(port)))
  try {
    await Promise.all(clients.map((c, i) => c.write(requestHead('GET', paths[i]))))
    return await Promise.all(clients.map((c) => c.readResponses(1, { timeout: 10_000 }).then(([r]) => r)))
  } finally {
    for (const c of clients) c.destroy()
  }
}

test('async handlers that finish without I/O run one at a time, as on node:http, so a batch does not keep them all alive', async (t) => {
  let running = 0
  let most = 0
  const { port } = await startServer(t, async (req, reply) => {
    running++
    most = Math.max(most, running)
    for (let i = 0; i < 5; i++) await null // a few microtask hops, like Koa's middleware
    running--
    reply.send(200, {}, req.url)
  })
  for (let round = 0; round < 5; round++) {
    const paths = Array.from({ length: 40 }, (_, i) => `/${round}-${i}`)
    const responses = await burst(port, paths)
    t.deepEqual(
      responses.map((r) => r.body.toString()),
      paths,
    )
  }
  t.is(most, 1)
})

test('a handler waiting on I/O does not hold up the requests after it', async (t) => {
  const answered = []
  const { port } = await startServer(t, async (req, reply) => {
    if (req.url === '/slow') await sleep(400)
    answered.push(req.url)
    reply.send(200, {}, req.url)
  })
  const paths = ['/slow', ...Array.from({ length: 30 }, (_, i) => `/fast-${i}`)]
  const started = Date.now()
  const responses = await burst(port, paths)
  t.true(Date.now() - started >= 400)
  t.deepEqual(
    responses.map((r) => r.status),
    paths.map(() => 200),
  )
  // Every fast request was answered before the slow one.
  t.is(answered.at(-1), '/slow')
  t.is(answered.length, paths.length)
})

test('each handler starts in the async context listen() ran in, not in the one the request before it left', async (t) => {
  const als = new AsyncLocalStorage()
  const seen = []
  const mgr = new Manager()
  t.teardown(() => mgr.close())
  const { localAddr } = await als.run('listen', () =>
    mgr.listen('http://127.0.0.1:0', (req, reply) => {
      seen.push(als.getStore())
      return als.run(req.url, async () => {
        await null
        reply.send(200, {}, String(als.getStore()))
      })
    }),
  )
  const paths = Array.from({ length: 30 }, (_, i) => `/${i}`)
  const responses = await burst(localAddr[1], paths)
  t.deepEqual(
    responses.map((r) => r.body.toString()),
    paths,
  )
  t.deepEqual(
    seen,
    paths.map(() => 'listen'),
  )
})
