// The `mgnode` command, run as a child process and spoken to over loopback.
// Serial: each test starts processes with worker threads, and the machine has two cores.
import test from 'ava'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { alive, startChild } from './helpers/child.mjs'
import { RawClient, requestHead, simpleGet } from './helpers/raw.mjs'
import { makeCert, sleep, within } from './helpers/server.mjs'

const bin = fileURLToPath(new URL('../bin/mgnode.js', import.meta.url))
const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** The test's environment without the variables the CLI reads, plus `extra`. */
function cliEnv(extra = {}) {
  const env = { ...process.env }
  delete env.PORT
  delete env.HOST
  delete env.WEB_CONCURRENCY
  return { ...env, ...extra }
}

/** Runs the CLI; resolves with its exit code and whole output once it exits and its pipes close (bounded). */
function run(args, { timeoutMs = 15_000, onLine, env } = {}) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv(env) })
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

const LISTENING = /listening on (https?):\/\/(\[[^\]]+\]|[^:\s]+):(\d+) \((\d+) workers?\)/g

/**
 * Starts the CLI and waits until it printed `listening` "listening on" lines
 * (or, with `readyUrl`, until that URL answers). `stop()` sends SIGTERM and
 * resolves with the exit. The process is killed at teardown whatever happens.
 */
async function start(t, args, { env, listening = 1, readyUrl } = {}) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv(env) })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const closed = once(child, 'close').then(([code, signal]) => ({ code, signal, stdout, stderr }))
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const ready = (async () => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mgnode exited with ${child.exitCode}: ${stderr}`)
      if (readyUrl) {
        const ok = await fetch(readyUrl).then((r) => r.text().then(() => true), () => false)
        if (ok) return []
      } else {
        const found = [...stdout.matchAll(LISTENING)]
        if (found.length >= listening) return found.map((m) => ({ url: `${m[1]}://${m[2]}:${m[3]}`, port: Number(m[3]), workers: Number(m[4]) }))
      }
      await sleep(25)
    }
  })()
  const listeners = await within(ready, 10_000, () => `mgnode did not start; stdout: ${stdout} stderr: ${stderr}`)
  return {
    child,
    listeners,
    url: listeners[0]?.url,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    /** Waits (at most `ms`) until stdout matches `re`. */
    waitFor(re, ms = 10_000) {
      return within(
        (async () => {
          while (!re.test(stdout)) await sleep(20)
        })(),
        ms,
        () => `no ${re} in stdout: ${stdout}`,
      )
    },
    async stop() {
      child.kill('SIGTERM')
      return within(closed, 15_000, 'mgnode did not stop on SIGTERM')
    },
  }
}

/** A port nothing listens on right now. */
async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

const text = (url, init) => fetch(url, init).then((r) => r.text())

// ---------------------------------------------------------------- help and errors

test.serial('--help prints usage with every flag, and says flags win over the environment', async (t) => {
  const r = await run(['--help'])
  t.is(r.code, 0)
  t.regex(r.stdout, /Usage: mgnode \[options\] <module>\[:name\]/)
  const flags = [
    '-l, --listen', '-w, --workers', '--factory', '--tls-cert', '--tls-key', '--max-body-size', '--keep-alive-timeout',
    '--stall-timeout', '--stream-timeout', '--shutdown-timeout', '--access-log ', '--access-log-file', '--log-level', '-h, --help', '-v, --version',
  ]
  for (const flag of flags) t.true(r.stdout.includes(flag), `--help lacks ${flag}`)
  for (const name of ['PORT', 'HOST', 'WEB_CONCURRENCY']) t.true(r.stdout.includes(name), `--help lacks ${name}`)
  t.regex(r.stdout, /flags win/)
})

test.serial('--version prints the package version', async (t) => {
  const { version } = (await import('../package.json', { with: { type: 'json' } })).default
  const r = await run(['--version'])
  t.is(r.code, 0)
  t.is(r.stdout.trim(), version)
})

test.serial('a bad flag exits non-zero with a clear message and the usage', async (t) => {
  const r = await run(['--no-such-flag', 'app.js'])
  t.is(r.code, 2)
  t.regex(r.stderr, /no-such-flag/)
  t.regex(r.stderr, /Usage:/)
})

test.serial('a bad --workers value is refused', async (t) => {
  const r = await run(['-w', 'zero', fixture('thread-app.cjs')])
  t.is(r.code, 2)
  t.regex(r.stderr, /--workers must be a positive integer/)
})

test.serial('bad values of the other flags and of PORT / WEB_CONCURRENCY are refused with exit code 2', async (t) => {
  const app = fixture('thread-app.cjs')
  const cases = [
    [['-l', 'nonsense', app], {}, /--listen takes PORT, HOST:PORT/],
    [['-l', '::1:8080', app], {}, /put an IPv6 address in brackets/],
    [['-l', '70000', app], {}, /must be a port number/],
    [['-l', 'https://127.0.0.1:0', app], {}, /need --tls-cert and --tls-key/],
    [['--access-log', 'xml', app], {}, /--access-log must be one of common, combined, json/],
    [['--log-level', 'loud', app], {}, /--log-level must be one of error, warn, info, debug/],
    [['--shutdown-timeout', 'soon', app], {}, /--shutdown-timeout must be a duration/],
    [['--keep-alive-timeout=-1', app], {}, /--keep-alive-timeout must be a duration/],
    [['--stream-timeout', '1h', app], {}, /--stream-timeout must be a duration/],
    [['--max-body-size', '1.5', app], {}, /--max-body-size must be a positive integer/],
    [[app], { PORT: 'http' }, /PORT must be a port number/],
    [[app], { WEB_CONCURRENCY: '0' }, /WEB_CONCURRENCY must be a positive integer/],
  ]
  for (const [args, env, message] of cases) {
    const r = await run(args, { env })
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    t.regex(r.stderr, message)
  }
})

test.serial('a missing module exits non-zero and says so', async (t) => {
  const r = await run(['./does-not-exist.js', '-l', 'http://127.0.0.1:0', '-w', '1'])
  t.is(r.code, 1)
  t.regex(r.stderr, /Cannot find app module/)
})

test.serial('an address in use exits non-zero with EADDRINUSE', async (t) => {
  const blocker = net.createServer().listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => blocker.close())
  const port = blocker.address().port
  const r = await run([fixture('thread-app.cjs'), '-l', `http://127.0.0.1:${port}`, '-w', '1'])
  t.is(r.code, 1)
  t.regex(r.stderr, /EADDRINUSE/)
})

// ---------------------------------------------------------------- serving, addresses, environment

test.serial('serves a module from two workers and stops cleanly on SIGTERM', async (t) => {
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

test.serial('-l takes PORT, HOST:PORT and [IPv6]:PORT besides URLs, repeatedly', async (t) => {
  const cli = await start(t, [fixture('esm-app.mjs'), '-w', '1', '-l', '0', '-l', '127.0.0.1:0', '-l', '[::1]:0', '-l', 'http://127.0.0.1:0'], {
    listening: 4,
  })
  t.deepEqual(
    cli.listeners.map((l) => l.url.replace(/:\d+$/, '')),
    ['http://127.0.0.1', 'http://127.0.0.1', 'http://[::1]', 'http://127.0.0.1'],
  )
  for (const { url } of cli.listeners) t.is(await text(url + '/'), 'esm GET')
  t.is((await cli.stop()).code, 0)
})

test.serial('PORT and HOST set the default address; a bare -l PORT listens on HOST', async (t) => {
  const port = await freePort()
  const viaEnv = await start(t, [fixture('esm-app.mjs'), '-w', '1'], { env: { PORT: String(port), HOST: '::1' } })
  t.is(viaEnv.url, `http://[::1]:${port}`)
  t.is(await text(`http://[::1]:${port}/`), 'esm GET')
  await viaEnv.stop()

  const bare = await start(t, [fixture('esm-app.mjs'), '-w', '1', '-l', '0'], { env: { HOST: '::1' } })
  t.regex(bare.url, /^http:\/\/\[::1\]:\d+$/)
  await bare.stop()
})

test.serial('--listen wins over PORT', async (t) => {
  const envPort = await freePort()
  const cli = await start(t, [fixture('esm-app.mjs'), '-w', '1', '-l', '127.0.0.1:0'], { env: { PORT: String(envPort) } })
  t.not(cli.listeners[0].port, envPort)
  t.is(cli.listeners.length, 1)
  t.false(cli.stdout.includes(`:${envPort} `))
  await t.throwsAsync(fetch(`http://127.0.0.1:${envPort}/`))
  await cli.stop()
})

test.serial('WEB_CONCURRENCY sets the default number of workers; --workers wins', async (t) => {
  const fromEnv = await start(t, [fixture('thread-app.cjs'), '-l', '0'], { env: { WEB_CONCURRENCY: '2' } })
  t.is(fromEnv.listeners[0].workers, 2)
  await fromEnv.stop()
  const flag = await start(t, [fixture('thread-app.cjs'), '-l', '0', '-w', '1'], { env: { WEB_CONCURRENCY: '2' } })
  t.is(flag.listeners[0].workers, 1)
  await flag.stop()
})

test.serial('https:// with --tls-cert and --tls-key', async (t) => {
  const { cert, key } = makeCert('ec')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'c.pem'), cert)
  fs.writeFileSync(path.join(dir, 'k.pem'), key)
  const cli = await start(t, [fixture('esm-app.mjs'), '-w', '1', '-l', 'https://127.0.0.1:0', '--tls-cert', path.join(dir, 'c.pem'), '--tls-key', path.join(dir, 'k.pem')])
  t.regex(cli.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  const https = await import('node:https')
  const body = await new Promise((resolve, reject) => {
    https
      .get(cli.url + '/', { ca: cert, servername: 'localhost' }, (res) => {
        let b = ''
        res.on('data', (d) => (b += d))
        res.on('end', () => resolve(b))
      })
      .on('error', reject)
  })
  t.is(body, 'esm GET')
  await cli.stop()
})

test.serial('https:// with --tls-sni, --tls-min-version and client certificates (--tls-request-cert --tls-allow-untrusted)', async (t) => {
  const main = makeCert('ec')
  const other = makeCert('ec')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = (name, text) => {
    fs.writeFileSync(path.join(dir, name), text)
    return path.join(dir, name)
  }
  const args = ['-l', 'https://127.0.0.1:0', '--tls-cert', file('c.pem', main.cert), '--tls-key', file('k.pem', main.key)]
  args.push('--tls-sni', `other.test=${file('oc.pem', other.cert)},${file('ok.pem', other.key)}`, '--tls-min-version', 'TLSv1.3')
  args.push('--tls-request-cert', '--tls-allow-untrusted')
  const cli = await start(t, [fixture('esm-app.mjs'), '-w', '1', ...args])
  const port = Number(new URL(cli.url).port)
  const tls = await import('node:tls')
  const handshake = (options) =>
    new Promise((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
        const seen = { fingerprint256: s.getPeerCertificate().fingerprint256, protocol: s.getProtocol() }
        s.end()
        resolve(seen)
      })
      s.on('error', (error) => resolve({ error }))
    })
  t.is((await handshake({ servername: 'other.test' })).fingerprint256, other.fingerprint256)
  const plain = await handshake({ servername: 'localhost' })
  t.is(plain.fingerprint256, main.fingerprint256)
  t.is(plain.protocol, 'TLSv1.3')
  t.truthy((await handshake({ servername: 'localhost', maxVersion: 'TLSv1.2' })).error)
  await cli.stop()
})

test.serial('--tls-sni needs NAME=CERT,KEY and --tls-allow-untrusted needs --tls-request-cert', async (t) => {
  const { cert, key } = makeCert('ec')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'c.pem'), cert)
  fs.writeFileSync(path.join(dir, 'k.pem'), key)
  const tlsArgs = ['-l', 'https://127.0.0.1:0', '--tls-cert', path.join(dir, 'c.pem'), '--tls-key', path.join(dir, 'k.pem')]
  const badSni = await run([fixture('esm-app.mjs'), ...tlsArgs, '--tls-sni', 'nocomma'])
  t.is(badSni.code, 2)
  t.regex(badSni.stderr, /--tls-sni takes NAME=CERT,KEY/)
  const lonely = await run([fixture('esm-app.mjs'), ...tlsArgs, '--tls-allow-untrusted'])
  t.is(lonely.code, 2)
  t.regex(lonely.stderr, /--tls-allow-untrusted goes with --tls-request-cert/)
})

test.serial('exits once stopped, though the app keeps a timer running', async (t) => {
  const cli = await start(t, [fixture('cli-keeps-alive.cjs'), '-w', '1', '-l', '0'])
  t.is(await text(cli.url + '/'), 'alive')
  const r = await cli.stop()
  t.is(r.code, 0)
  t.regex(r.stdout, /stopped/)
})

// ---------------------------------------------------------------- the app spec

test.serial('module:name serves a named export; a missing or non-app export is refused', async (t) => {
  const cli = await start(t, [fixture('cli-named.mjs') + ':server', '-w', '1', '-l', '0'])
  t.is(await text(cli.url + '/'), 'named')
  await cli.stop()
  const missing = await run([fixture('cli-named.mjs') + ':nothing', '-w', '1', '-l', '0'])
  t.is(missing.code, 1)
  t.regex(missing.stderr, /has no export "nothing"/)
  const notApp = await run([fixture('cli-named.mjs') + ':notAnApp', '-w', '1', '-l', '0'])
  t.is(notApp.code, 1)
  t.regex(notApp.stderr, /export "notAnApp" of .* is not an app/)
})

test.serial('--factory calls the export to build the app, in each worker', async (t) => {
  const cli = await start(t, [fixture('cli-named.mjs') + ':createApp', '--factory', '-w', '2', '-l', '0'])
  const bodies = await Promise.all(Array.from({ length: 4 }, () => text(cli.url + '/')))
  t.deepEqual(bodies, ['built', 'built', 'built', 'built'])
  await cli.stop()
})

test.serial('a parameterless function served without --factory is warned about', async (t) => {
  const cli = await start(t, [fixture('cli-named.mjs') + ':createApp', '-w', '1', '-l', '0'])
  await within((async () => { while (!/createApp\(\)/.test(cli.stderr)) await sleep(20) })(), 5000, 'no warning')
  t.regex(cli.stderr, /warning: .*function createApp\(\) that declares no parameters.*--factory/)
  await cli.stop()
})

test.serial('a module path without its extension, and a directory, resolve as Node resolves them', async (t) => {
  const noExt = await start(t, [fixture('esm-app'), '-w', '1', '-l', '0'])
  t.is(await text(noExt.url + '/'), 'esm GET')
  await noExt.stop()
  const dir = await start(t, [fixture('cli-dir-app'), '-w', '1', '-l', '0'])
  t.is(await text(dir.url + '/'), 'from index.js')
  await dir.stop()
})

test.serial('a module that calls listen() while loading is warned about, naming the port', async (t) => {
  const port = await freePort()
  const cli = await start(t, [fixture('cli-listens.cjs'), '-w', '1', '-l', '0'], { env: { APP_PORT: String(port) } })
  await within((async () => { while (!/listen\(\)/.test(cli.stderr)) await sleep(20) })(), 5000, 'no warning')
  t.regex(cli.stderr, new RegExp(`mgnode: warning: .*called listen\\(\\) while loading: it opens its own node:http server on port ${port} on 127\\.0\\.0\\.1`))
  // The app's own port really is open (what the warning is about), besides
  // mgnode's. The warning comes with the listen() call; the port is bound a
  // moment later, so the first tries may be refused.
  const http = await import('node:http')
  const get = () =>
    new Promise((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/`, { agent: false }, (res) => {
        let b = ''
        res.on('data', (d) => (b += d))
        res.on('end', () => resolve(b))
      }).on('error', reject)
    })
  let own
  for (let tries = 0; own === undefined; tries++) {
    own = await get().catch((err) => {
      if (err.code !== 'ECONNREFUSED' || tries >= 50) throw err
      return sleep(50).then(() => undefined)
    })
  }
  t.is(own, 'ok')
  t.is(await text(cli.url + '/'), 'ok')
  t.is((await cli.stop()).code, 0)
})

// ---------------------------------------------------------------- log level

test.serial('--log-level error hides mgnode\'s info and warnings; debug adds detail', async (t) => {
  const port = await freePort()
  const appPort = await freePort()
  const quiet = await start(t, [fixture('cli-listens.cjs'), '-w', '1', '-l', String(port), '--log-level', 'error'], {
    env: { APP_PORT: String(appPort) },
    readyUrl: `http://127.0.0.1:${port}/`,
  })
  const r = await quiet.stop()
  t.is(r.code, 0)
  t.is(r.stdout, '')
  t.is(r.stderr, '')

  const loud = await start(t, [fixture('esm-app.mjs'), '-w', '1', '-l', '0', '--log-level', 'debug', '--access-log', 'json'])
  t.regex(loud.stdout, /mgnode: debug: module .*esm-app\.mjs, 1 worker, access log json to stdout/)
  await loud.stop()
})

// ---------------------------------------------------------------- access log

/** Starts the CLI with `args`, makes one request with a referrer and user agent, stops; resolves with stdout. */
async function logOf(t, args, url = '/p?q=1') {
  const cli = await start(t, [...args, '-l', '0'])
  const res = await fetch(cli.url + url, { headers: { referer: 'http://ref.example/', 'user-agent': 'tester "1"' } })
  await res.text()
  const r = await cli.stop()
  return r.stdout
}

const DATE = String.raw`\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\]`

test.serial('no access log by default', async (t) => {
  const out = await logOf(t, [fixture('thread-app.cjs'), '-w', '1'])
  t.deepEqual(out.trim().split('\n').map((l) => l.replace(/:\d+ /, ':N ')), ['mgnode: listening on http://127.0.0.1:N (1 worker)', 'mgnode: stopped'])
})

test.serial('--access-log common and combined log a request listener\'s requests (morgan)', async (t) => {
  const common = await logOf(t, [fixture('thread-app.cjs'), '-w', '1', '--access-log', 'common'])
  t.regex(common, new RegExp(`^127\\.0\\.0\\.1 - - ${DATE} "GET /p\\?q=1 HTTP/1\\.1" 200 -$`, 'm'))
  const combined = await logOf(t, [fixture('thread-app.cjs'), '-w', '1', '--access-log', 'combined'])
  t.regex(combined, new RegExp(`^127\\.0\\.0\\.1 - - ${DATE} "GET /p\\?q=1 HTTP/1\\.1" 200 - "http://ref\\.example/" "tester \\\\"1\\\\""$`, 'm'))
})

test.serial('--access-log combined logs a fetch app\'s requests the same way, with the length sent', async (t) => {
  const out = await logOf(t, [fixture('cli-fetch.mjs'), '-w', '2', '--access-log', 'combined'])
  t.regex(out, new RegExp(`^127\\.0\\.0\\.1 - - ${DATE} "GET /p\\?q=1 HTTP/1\\.1" 200 10 "http://ref\\.example/" "tester \\\\"1\\\\""$`, 'm'))
})

test.serial('--access-log json writes one JSON object per request, for both kinds of app', async (t) => {
  for (const app of ['thread-app.cjs', 'cli-fetch.mjs']) {
    const out = await logOf(t, [fixture(app), '-w', '1', '--access-log', 'json'], '/j')
    const lines = out.split('\n').filter((l) => l.startsWith('{'))
    t.is(lines.length, 1, out)
    const entry = JSON.parse(lines[0])
    t.like(entry, { remoteAddr: '127.0.0.1', remoteUser: null, method: 'GET', url: '/j', httpVersion: '1.1', status: 200, referrer: 'http://ref.example/', userAgent: 'tester "1"' })
    t.true(typeof entry.durationMs === 'number' && entry.durationMs >= 0)
    t.false(Number.isNaN(Date.parse(entry.time)))
    t.is(entry.contentLength, app === 'cli-fetch.mjs' ? 'fetched /j'.length : null)
  }
})

test.serial('--access-log-file: two workers append whole lines to one file, long lines included', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'access.log')
  fs.writeFileSync(file, 'earlier line\n')
  const cli = await start(t, [fixture('thread-app.cjs'), '-w', '2', '-l', '0', '--access-log', 'json', '--access-log-file', file])
  // Longer than a pipe's atomic write (4 KiB), so only whole-line writes keep them apart.
  const agent = 'a'.repeat(6000)
  const threads = await Promise.all(
    Array.from({ length: 40 }, (_, i) => text(`${cli.url}/n${i}`, { headers: { 'user-agent': agent + i } })),
  )
  t.is(new Set(threads).size, 2, 'both workers served')
  await cli.stop()
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  t.is(lines.pop(), '')
  t.is(lines.shift(), 'earlier line')
  t.is(lines.length, 40)
  const urls = lines.map((l) => {
    const entry = JSON.parse(l)
    t.is(entry.userAgent, agent + entry.url.slice(2))
    return entry.url
  })
  t.deepEqual(urls.sort(), Array.from({ length: 40 }, (_, i) => `/n${i}`).sort())
  t.false(cli.stdout.includes('"method"'))
})

test.serial('--access-log-file alone turns the log on in combined format', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'access.log')
  await logOf(t, [fixture('thread-app.cjs'), '-w', '1', '--access-log-file', file])
  t.regex(fs.readFileSync(file, 'utf8'), new RegExp(`^127\\.0\\.0\\.1 - - ${DATE} "GET /p\\?q=1 HTTP/1\\.1" 200 - "http://ref\\.example/" "tester \\\\"1\\\\""\\n$`))
})

// ---------------------------------------------------------------- timeouts and limits

test.serial('--shutdown-timeout: in-flight requests finish within it, and are cut after it', async (t) => {
  const patient = await start(t, [fixture('cli-app.cjs'), '-w', '2', '-l', '0', '--shutdown-timeout', '10', '--access-log', 'common'])
  const finished = text(patient.url + '/slow?ms=300')
  await patient.waitFor(/got \/slow/)
  const stopped = patient.stop()
  t.is(await finished, 'done')
  const r1 = await stopped
  t.is(r1.code, 0)
  // Answered while shutting down, and still logged: workers hand over their last lines before they stop.
  t.regex(r1.stdout, /"GET \/slow\?ms=300 HTTP\/1\.1" 200 -\n/)

  const hasty = await start(t, [fixture('cli-app.cjs'), '-w', '2', '-l', '0', '--shutdown-timeout', '200ms'])
  const cut = fetch(hasty.url + '/slow?ms=8000').then((r) => r.text())
  await hasty.waitFor(/got \/slow/)
  const r = await hasty.stop()
  await t.throwsAsync(cut)
  t.is(r.code, 0)
  t.regex(r.stdout, /stopped/)
})

/** Sends one keep-alive request on a raw socket; resolves with the response head, and `closed` when the server closes the socket. */
async function rawKeepAlive(url) {
  const { hostname, port } = new URL(url)
  const socket = net.connect(Number(port), hostname)
  await once(socket, 'connect')
  socket.write(`GET / HTTP/1.1\r\nHost: x\r\n\r\n`)
  let data = ''
  socket.setEncoding('latin1')
  socket.on('data', (d) => (data += d))
  const closed = once(socket, 'close')
  while (!data.includes('\r\n\r\n')) await sleep(10)
  return { head: data.slice(0, data.indexOf('\r\n\r\n')), closed, socket }
}

test.serial('--keep-alive-timeout: advertised in Keep-Alive and applied to idle connections, with workers too', async (t) => {
  const cli = await start(t, [fixture('cli-app.cjs'), '-w', '2', '-l', '0', '--keep-alive-timeout', '1000'])
  const { head, closed, socket } = await rawKeepAlive(cli.url)
  t.teardown(() => socket.destroy())
  t.regex(head, /^Keep-Alive: timeout=1\s*$/im)
  // The default (5 s) would keep it open past this bound.
  await t.notThrowsAsync(within(closed, 3500, 'the idle connection stayed open'))
  await cli.stop()
})

test.serial('--max-body-size: a larger body gets 413, a body within it is read', async (t) => {
  const cli = await start(t, [fixture('cli-app.cjs'), '-w', '1', '-l', '0', '--max-body-size', '100'])
  const small = await fetch(cli.url + '/body', { method: 'POST', body: 'x'.repeat(100) })
  t.is(await small.text(), '100')
  const big = await fetch(cli.url + '/body', { method: 'POST', body: 'x'.repeat(101) })
  t.is(big.status, 413)
  await cli.stop()
})

test.serial('--stall-timeout: a response to a client that stopped reading is aborted', async (t) => {
  const cli = await start(t, [fixture('cli-app.cjs'), '-w', '1', '-l', '0', '--stall-timeout', '500'])
  const { hostname, port } = new URL(cli.url)
  const socket = net.connect(Number(port), hostname)
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n')
  // Never read: the server's writes back up until the stream timeout cuts the response off.
  socket.pause()
  // The default (5 s) would keep it waiting past this bound.
  await t.notThrowsAsync(cli.waitFor(/stream aborted/, 3500))
  await cli.stop()
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
