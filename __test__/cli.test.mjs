import test from 'ava'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

import { alive, startChild } from './helpers/child.mjs'
import { RawClient, requestHead, simpleGet } from './helpers/raw.mjs'

const bin = fileURLToPath(new URL('../bin/mgnode.js', import.meta.url))
const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Runs the CLI; resolves with its exit code and whole output once it exits and its pipes close (bounded). */
function run(args, { timeoutMs = 15_000, onLine } = {}) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
    onLine?.(stdout, child)
  })
  child.stderr.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  // 'close', not 'exit': a process can exit before its last output is read.
  return once(child, 'close').then(([code, signal]) => {
    clearTimeout(timer)
    return { code, signal, stdout, stderr }
  })
}

test('--help prints usage and exits 0', async (t) => {
  const r = await run(['--help'])
  t.is(r.code, 0)
  t.regex(r.stdout, /Usage: mgnode \[options\] <module>/)
  t.regex(r.stdout, /--workers/)
})

test('--version prints the package version', async (t) => {
  const { version } = (await import('../package.json', { with: { type: 'json' } })).default
  const r = await run(['--version'])
  t.is(r.code, 0)
  t.is(r.stdout.trim(), version)
})

test('a bad flag exits non-zero with a clear message and the usage', async (t) => {
  const r = await run(['--no-such-flag', 'app.js'])
  t.is(r.code, 2)
  t.regex(r.stderr, /no-such-flag/)
  t.regex(r.stderr, /Usage:/)
})

test('a bad --workers value is refused', async (t) => {
  const r = await run(['-w', 'zero', fixture('thread-app.cjs')])
  t.is(r.code, 2)
  t.regex(r.stderr, /--workers must be a positive integer/)
})

test('a missing module exits non-zero and says so', async (t) => {
  const r = await run(['./does-not-exist.js', '-l', 'http://127.0.0.1:0', '-w', '1'])
  t.is(r.code, 1)
  t.regex(r.stderr, /Cannot find app module/)
})

test('serves a module from two workers and stops cleanly on SIGTERM', async (t) => {
  const seen = new Set()
  let served = false
  const r = await run([fixture('thread-app.cjs'), '-l', 'http://127.0.0.1:0', '-w', '2'], {
    onLine: async (out, child) => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+) \(2 workers\)/.exec(out)
      if (!m || served) return
      served = true
      const bodies = await Promise.all(
        Array.from({ length: 6 }, () => fetch(`http://127.0.0.1:${m[1]}/slow`).then((res) => res.text())),
      )
      for (const b of bodies) seen.add(b)
      child.kill('SIGTERM')
    },
  })
  t.is(r.signal, null)
  t.is(r.code, 0)
  t.regex(r.stdout, /stopped/)
  t.is(seen.size, 2)
})

test('an address in use exits non-zero with EADDRINUSE', async (t) => {
  const net = await import('node:net')
  const blocker = net.createServer().listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => blocker.close())
  const port = blocker.address().port
  const r = await run([fixture('thread-app.cjs'), '-l', `http://127.0.0.1:${port}`, '-w', '1'])
  t.is(r.code, 1)
  t.regex(r.stderr, /EADDRINUSE/)
})

test('-w 2: after both workers crash at once, the process is still up and serving; SIGTERM still stops it with 0', async (t) => {
  const { match, child, exited } = await startChild(t, [bin, fixture('thread-app.cjs'), '-l', 'http://127.0.0.1:0', '-w', '2'], {
    ready: /listening on http:\/\/127\.0\.0\.1:(\d+) \(2 workers\)/,
  })
  const port = Number(match[1])
  const crashed = await Promise.all([simpleGet(port, '/crash'), simpleGet(port, '/crash')])
  t.deepEqual(crashed.map((r) => r.status), [502, 502])
  await new Promise((r) => setTimeout(r, 500))
  t.true(alive(child), 'the CLI exited after its workers crashed')
  const deadline = Date.now() + 10_000
  let res = null
  while (Date.now() < deadline && res?.status !== 200) {
    res = await simpleGet(port, '/').catch(() => null)
    if (res?.status !== 200) await new Promise((r) => setTimeout(r, 50))
  }
  t.is(res?.status, 200)
  child.kill('SIGTERM')
  const r = await exited
  t.is(r.code, 0)
  t.regex(r.stderr, /worker 0 exited with code 1; restarting/)
  t.regex(r.stderr, /worker 1 exited with code 1; restarting/)
})

test('SIGTERM with a keep-alive request in flight: its response says Connection: close and the connection closes after it', async (t) => {
  const { match, child, exited } = await startChild(t, [bin, fixture('thread-app.cjs'), '-l', 'http://127.0.0.1:0', '-w', '2'], {
    ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/,
  })
  const client = await RawClient.connect(Number(match[1]))
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  t.is((await client.readResponse()).header('connection'), 'keep-alive')
  // Answered after 400 ms; the signal comes while it is in flight.
  await client.write(requestHead('GET', '/slower'))
  await new Promise((r) => setTimeout(r, 150))
  child.kill('SIGTERM')
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.regex(res.body.toString(), /^\d+$/)
  t.is(res.header('connection'), 'close')
  t.true(await client.waitForClose(3000), 'the connection stayed open after a Connection: close response')
  t.is((await exited).code, 0)
})
