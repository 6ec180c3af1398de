import test from 'ava'
import { threadId } from 'node:worker_threads'
import net from 'node:net'
import { fileURLToPath } from 'node:url'

import { Server } from '../dist/index.js'
import { RawClient, requestHead } from './helpers/raw.mjs'

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

async function get(port, path) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: res.status, body: await res.text() }
}

test('workers: 2 serves from two different worker threads behind one listener', async (t) => {
  const server = new Server(fixture('thread-app.cjs'), { workers: 2 })
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  t.is(server.workerThreadIds.length, 2)
  // Concurrent slow requests spread over the workers (fewest in flight wins).
  const replies = await Promise.all(Array.from({ length: 8 }, () => get(localAddr[1], '/slow')))
  const threads = new Set(replies.map((r) => r.body))
  t.true(replies.every((r) => r.status === 200))
  t.is(threads.size, 2)
  t.false(threads.has(String(threadId)), 'the main thread served a request')
  for (const id of threads) t.true(server.workerThreadIds.includes(Number(id)))
})

test('workers: 2 keeps a keep-alive connection on one worker, with one req.socket, and spreads connections', async (t) => {
  const server = new Server(fixture('thread-app.cjs'), { workers: 2 })
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const threads = new Set()
  for (let c = 0; c < 4; c++) {
    const client = await RawClient.connect(localAddr[1])
    t.teardown(() => client.destroy())
    const seen = []
    for (let i = 0; i < 3; i++) {
      await client.write(requestHead('GET', '/socket'))
      seen.push((await client.readResponse()).body.toString().split(' '))
    }
    const [thread] = seen[0]
    t.deepEqual(seen, [[thread, '1'], [thread, '2'], [thread, '3']])
    threads.add(thread)
  }
  t.is(threads.size, 2, 'new connections go to the worker with the fewest in flight, ties in turn')
})

test('a worker that crashes mid-request: that request gets 502, errorHandler hears, the others keep serving, it restarts', async (t) => {
  const errors = []
  const server = new Server(fixture('thread-app.cjs'), { workers: 2, errorHandler: (err) => errors.push(err) })
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const before = new Set(server.workerThreadIds)
  const crashed = await get(localAddr[1], '/crash')
  t.is(crashed.status, 502)
  for (let i = 0; i < 6; i++) t.is((await get(localAddr[1], '/')).status, 200)
  // The dead worker is replaced with a new thread.
  const deadline = Date.now() + 5000
  while (Date.now() < deadline && (server.workerThreadIds.length < 2 || server.workerThreadIds.every((id) => before.has(id)))) {
    await new Promise((r) => setTimeout(r, 50))
  }
  t.is(server.workerThreadIds.length, 2)
  t.true(server.workerThreadIds.some((id) => !before.has(id)), 'no new worker was started')
  t.true(errors.some((e) => /crash/.test(e.message)))
  t.true(errors.some((e) => e.code === 'ERR_MGNODE_WORKER_EXITED'))
  const after = await Promise.all(Array.from({ length: 6 }, () => get(localAddr[1], '/slow')))
  t.true(after.every((r) => r.status === 200))
})

test('a worker that throws at load time makes listen() reject with the cause', async (t) => {
  const server = new Server(fixture('throws-at-load.cjs'), { workers: 2 })
  t.teardown(() => server.close())
  const err = await t.throwsAsync(server.listen('http://127.0.0.1:0'))
  t.is(err.code, 'ERR_MGNODE_WORKER_LOAD')
  t.regex(err.message, /deliberate load failure/)
})

test('workers > 1 with a function app is a clear error that says how to pass a module', (t) => {
  const err = t.throws(() => new Server((req, res) => res.end(), { workers: 2 }))
  t.is(err.code, 'ERR_MGNODE_WORKERS')
  t.regex(err.message, /module/)
})

test('an ESM module exporting `app` is served on the main thread with workers: 1', async (t) => {
  const server = new Server(fixture('esm-app.mjs'))
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  t.deepEqual(await get(localAddr[1], '/'), { status: 200, body: 'esm GET' })
})

test('a module without an app is refused with ERR_MGNODE_NO_APP', async (t) => {
  const server = new Server(fixture('no-app.cjs'))
  t.teardown(() => server.close())
  const err = await t.throwsAsync(server.listen('http://127.0.0.1:0'))
  t.is(err.code, 'ERR_MGNODE_NO_APP')
})

test('close() drains in-flight requests on workers before stopping them', async (t) => {
  const server = new Server(fixture('thread-app.cjs'), { workers: 2 })
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  // Both workers up first, so the slow requests reach them rather than racing their start.
  await Promise.all([get(localAddr[1], '/'), get(localAddr[1], '/')])
  let answered = 0
  const pending = Promise.all(
    Array.from({ length: 4 }, () => get(localAddr[1], '/slower').finally(() => answered++)),
  )
  // Time for the requests to reach the workers (even on a loaded machine); they take 400 ms to answer.
  await new Promise((r) => setTimeout(r, 150))
  t.is(answered, 0, 'the requests were still in flight when close() began')
  await server.close()
  const replies = await pending
  t.true(replies.every((r) => r.status === 200 && /^\d+$/.test(r.body)))
  t.deepEqual(server.workerThreadIds, [])
})

test('1 MiB bodies from worker threads arrive intact; close() with one client not reading still ends and stops the workers', async (t) => {
  // The deprecated seconds form (streamTimeout), which must still work.
  const server = new Server(fixture('big-app.cjs'), { workers: 2, streamTimeout: 1 })
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const port = localAddr[1]
  const bodies = await Promise.all(
    Array.from({ length: 8 }, (_, seed) =>
      fetch(`http://127.0.0.1:${port}/${seed}`).then(async (r) => ({ seed, status: r.status, body: Buffer.from(await r.arrayBuffer()) })),
    ),
  )
  for (const { seed, status, body } of bodies) {
    t.is(status, 200)
    t.is(body.length, 1024 * 1024)
    const wrong = body.findIndex((b, i) => b !== (seed + Math.floor(i / 4096)) % 256)
    t.is(wrong, -1, `seed ${seed}: first wrong byte at ${wrong}`)
  }
  // A client that never reads: its body stays with the engine, lent from a worker's Buffer.
  const stuck = net.connect(port, '127.0.0.1', () => stuck.write('GET /9 HTTP/1.1\r\nHost: x\r\n\r\n'))
  stuck.pause()
  stuck.on('error', () => {})
  t.teardown(() => stuck.destroy())
  await new Promise((r) => setTimeout(r, 200))
  await server.close()
  t.deepEqual(server.workerThreadIds, [])
  // The process goes on working: a fresh server still answers.
  const again = new Server(fixture('big-app.cjs'), { workers: 1 })
  const { localAddr: a2 } = await again.listen('http://127.0.0.1:0')
  t.teardown(() => again.close())
  const r = await fetch(`http://127.0.0.1:${a2[1]}/3`)
  t.is((await r.arrayBuffer()).byteLength, 1024 * 1024)
})

test('workers get a small young generation, unless Node flags set one', async (t) => {
  const { workerResourceLimits, WORKER_YOUNG_GENERATION_MB } = await import('../dist/workers/pool.js')
  t.deepEqual(workerResourceLimits([], ''), { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB })
  t.is(workerResourceLimits(['--max-semi-space-size=32'], ''), undefined)
  t.is(workerResourceLimits([], '--max_semi_space_size=16'), undefined)

  const server = new Server(fixture('limits-app.cjs'), { workers: 2 })
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const { status, body } = await get(localAddr[1], '/')
  t.is(status, 200)
  t.is(JSON.parse(body).maxYoungGenerationSizeMb, WORKER_YOUNG_GENERATION_MB)
})
