// The multi-worker server never dies silently: crashed workers come back with
// backoff while the process stays up, and when it has to give up it exits
// non-zero and says why. Servers run in processes of their own, since what
// is tested is whether the process stays alive.
import test from 'ava'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { RawClient, requestHead, simpleGet } from './helpers/raw.mjs'
import { alive, startChild } from './helpers/child.mjs'
import { scaled } from './helpers/slowdown.mjs'

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const bin = fileURLToPath(new URL('../bin/mgnode.js', import.meta.url))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Serves `app` with the Server API in a child process; resolves with its port and handles. */
async function serveInChild(t, app, workers, env) {
  const started = await startChild(t, [fixture('serve-app.mjs'), fixture(app), String(workers)], { ready: /port (\d+)/, env })
  return { ...started, port: Number(started.match[1]) }
}

/** GET on a connection of its own; the status, or the error code if the connection failed. */
async function status(port, target) {
  try {
    return (await simpleGet(port, target)).status
  } catch (err) {
    return err.code ?? err.message
  }
}

/** Polls GET / until it answers 200 (bounded); returns the last status seen. */
async function untilServing(port, ms = 10_000) {
  const deadline = Date.now() + ms
  let last
  while (Date.now() < deadline) {
    last = await status(port, '/')
    if (last === 200) return last
    await sleep(50)
  }
  return last
}

test('both workers crash at once: the process stays up, keeps listening, and serves again after the restart', async (t) => {
  const { port, child, exited, out } = await serveInChild(t, 'thread-app.cjs', 2)
  // Two requests in flight at once go to the two workers (fewest in flight wins), and both die.
  t.deepEqual(await Promise.all([status(port, '/crash'), status(port, '/crash')]), [502, 502])
  // Asked while no worker may be up: parked by the engine, answered once one is back, never refused.
  t.is(await status(port, '/'), 200)
  await sleep(500)
  t.true(alive(child), 'the process exited after its workers crashed')
  t.is(await untilServing(port), 200)
  t.regex(out.stderr, /worker 0 exited with code 1; restarting in \d+ ms/)
  t.regex(out.stderr, /worker 1 exited with code 1; restarting in \d+ ms/)
  child.kill('SIGTERM')
  const r = await exited
  t.is(r.code, 0)
  t.regex(r.stdout, /stopped/)
})

test('each worker crashes on 1 in 200 requests under load for 3 s: every request is answered 2xx, 502 or 503, none refused or reset, and the server serves at the end', async (t) => {
  const { port, child, out } = await serveInChild(t, 'crash-every-app.cjs', 2, { MGNODE_TEST_CRASH_EVERY: '200' })
  const RUN_MS = scaled(3000)
  const CONNECTIONS = 16
  const counts = new Map()
  const failures = []
  const served = []
  let sent = 0
  const start = Date.now()
  const deadline = start + RUN_MS

  async function client() {
    let conn = null
    while (Date.now() < deadline) {
      try {
        conn ??= await RawClient.connect(port)
        sent++
        await conn.write(requestHead('GET', '/'))
        // A request parked while no worker is up waits for one (at most 10 s, then 503).
        const res = await conn.readResponse({ timeout: 15_000 })
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1)
        if (res.status >= 200 && res.status < 300) served.push(Date.now())
        if (/close/i.test(res.header('connection') ?? '')) {
          conn.destroy()
          conn = null
        }
      } catch (err) {
        failures.push(err.code ?? err.message)
        conn?.destroy()
        conn = null
      }
    }
    conn?.destroy()
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, client))
  const end = Date.now()

  served.sort((a, b) => a - b)
  let gap = 0
  let last = start
  for (const at of [...served, end]) {
    gap = Math.max(gap, at - last)
    last = at
  }
  const restarts = out.stderr.match(/restarting in/g)?.length ?? 0
  t.log(`${sent} requests in ${end - start} ms over ${CONNECTIONS} connections, ${restarts} worker restarts: ` + `${JSON.stringify(Object.fromEntries(counts))}; longest gap without a 2xx: ${gap} ms`)
  t.deepEqual(failures, [], 'requests were refused or reset')
  t.true([...counts.keys()].every((s) => (s >= 200 && s < 300) || s === 502 || s === 503), `unexpected statuses: ${[...counts.keys()]}`)
  t.true((counts.get(502) ?? 0) > 0, 'no worker crashed: the run tested nothing')
  t.true(served.length > 0)
  t.true(alive(child), 'the process exited')
  t.is(await untilServing(port), 200)
})

/** A marker file that, once it exists, makes fails-on-restart.cjs fail to load. */
function marker(t) {
  const file = path.join(os.tmpdir(), `mgnode-fail-${process.pid}-${Math.random().toString(36).slice(2)}`)
  t.teardown(() => fs.rmSync(file, { force: true }))
  return file
}

test('a worker that fails to start again and again: run() rejects with ERR_MGNODE_WORKERS_GAVE_UP, errorHandler hears it, the process exits 1', async (t) => {
  const file = marker(t)
  const { port, exited } = await serveInChild(t, 'fails-on-restart.cjs', 2, { MGNODE_TEST_FAIL_MARKER: file })
  t.is(await status(port, '/'), 200)
  fs.writeFileSync(file, '')
  t.is(await status(port, '/crash'), 502)
  const r = await exited
  t.is(r.code, 1)
  t.regex(r.stderr, /could not load .*deliberate load failure on restart; retrying in \d+ ms/)
  t.regex(r.stderr, /errorHandler: ERR_MGNODE_WORKERS_GAVE_UP worker \d failed to start 5 times in a row; giving up: .*deliberate load failure on restart/)
  t.regex(r.stderr, /run\(\) rejected: ERR_MGNODE_WORKERS_GAVE_UP/)
  // It closed before it exited: the port is free.
  t.is(await status(port, '/'), 'ECONNREFUSED')
})

test('a worker that fails to start a few times, then loads again: the server does not give up and serves', async (t) => {
  const file = marker(t)
  const { port, child, out } = await serveInChild(t, 'fails-on-restart.cjs', 2, { MGNODE_TEST_FAIL_MARKER: file })
  fs.writeFileSync(file, '')
  t.is(await status(port, '/crash'), 502)
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline && (out.stderr.match(/retrying in/g)?.length ?? 0) < 2) await sleep(20)
  t.true((out.stderr.match(/retrying in/g)?.length ?? 0) >= 2, 'the failed starts were not reported')
  fs.rmSync(file)
  // Two workers answer concurrent slow requests again: the failed one came back. (New
  // connections each time: a kept-alive one stays with the worker that served it.)
  const until = Date.now() + 15_000
  let threads = new Set()
  while (Date.now() < until && threads.size < 2) {
    const replies = await Promise.all(Array.from({ length: 4 }, () => simpleGet(port, '/slow')))
    threads = new Set(replies.map((r) => r.body.toString()))
  }
  t.is(threads.size, 2)
  t.true(alive(child))
  t.notRegex(out.stderr, /GAVE_UP/)
})

test('the CLI gives up the same way: exit code 1 and the reason on stderr', async (t) => {
  const file = marker(t)
  const { match, exited } = await startChild(t, [bin, fixture('fails-on-restart.cjs'), '-l', 'http://127.0.0.1:0', '-w', '2'], {
    ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    env: { MGNODE_TEST_FAIL_MARKER: file },
  })
  const port = Number(match[1])
  fs.writeFileSync(file, '')
  t.is(await status(port, '/crash'), 502)
  const r = await exited
  t.is(r.code, 1)
  t.regex(r.stderr, /mgnode: worker \d failed to start 5 times in a row; giving up: .*deliberate load failure on restart/)
  t.regex(r.stderr, /mgnode: stopped after an error/)
  t.notRegex(r.stdout, /mgnode: stopped\n/)
})
