import test from 'ava'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

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
