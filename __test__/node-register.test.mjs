// The preload: unmodified apps run with `node -r mgnode/register` or
// `node --import mgnode/register` serve on mgnode. Each app runs in a child process.
import test from 'ava'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { root } from './helpers/server.mjs'
import { scaled } from './helpers/slowdown.mjs'

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const registerCjs = path.join(root, 'register.js')
const registerMjs = path.join(root, 'register.mjs')

/**
 * Starts `node ...args`; resolves once it printed its first stdout line (JSON),
 * with that line parsed. The child is killed on teardown if still running.
 */
async function startChild(t, args, { cwd = root } = {}) {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  // 'close', not 'exit': a process can exit before its last output is read.
  const exited = once(child, 'close').then(([code, signal]) => ({ code, signal }))
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const firstLine = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output within ${scaled(10)} s; stderr: ${stderr}`)), scaled(10_000))
    child.stdout.on('data', (d) => {
      stdout += d
      const nl = stdout.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(stdout.slice(0, nl))
      }
    })
    exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`child exited (${code ?? signal}) before printing; stderr: ${stderr}`))
    })
  })
  return {
    child,
    info: JSON.parse(firstLine),
    /** Resolves { code, signal, stdout, stderr } when the child exits, or rejects after `ms`. */
    async exit(ms = 10_000) {
      let timer
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`child did not exit within ${ms} ms; stderr: ${stderr}`)), ms)
      })
      try {
        return { ...(await Promise.race([exited, timeout])), stdout, stderr }
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

function request(port, { path = '/', method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks = []
      res.on('data', (d) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('control: without the preload the plain http app is a node:http server', async (t) => {
  const app = await startChild(t, [fixture('register-http.cjs')])
  t.is(app.info.server, 'Server')
  const res = await request(app.info.port, { path: '/x' })
  t.is(JSON.parse(res.body).socket, 'Socket')
  app.child.kill('SIGTERM')
  t.is((await app.exit()).signal, 'SIGTERM')
})

test('-r register.js: an unmodified CommonJS http app listening on port 0 serves on mgnode', async (t) => {
  const app = await startChild(t, ['-r', registerCjs, fixture('register-http.cjs')])
  t.is(app.info.server, 'MgnodeServer')
  t.true(app.info.port > 0)
  const res = await request(app.info.port, { path: '/a?b=c' })
  t.is(res.status, 200)
  t.is(res.headers['content-type'], 'application/json')
  t.deepEqual(JSON.parse(res.body), { method: 'GET', url: '/a?b=c', body: '', socket: 'EngineSocket' })
  const posted = await request(app.info.port, { method: 'POST', path: '/p', body: 'payload ✓' })
  t.deepEqual(JSON.parse(posted.body), { method: 'POST', url: '/p', body: 'payload ✓', socket: 'EngineSocket' })
  // No SIGTERM handler in the app: the default action ends the process.
  app.child.kill('SIGTERM')
  const { signal, stderr } = await app.exit()
  t.is(signal, 'SIGTERM')
  t.is(stderr, '')
})

test('-r register.js: an unmodified Express app (app.listen) serves on mgnode', async (t) => {
  const app = await startChild(t, ['-r', registerCjs, fixture('register-express.cjs')])
  t.is(app.info.server, 'MgnodeServer')
  const res = await request(app.info.port, { path: '/hello/world' })
  t.is(res.status, 200)
  t.is(res.headers['x-powered-by-test'], 'express')
  t.is(res.headers['x-powered-by'], 'Express')
  t.regex(res.headers['content-type'], /^application\/json/)
  t.deepEqual(JSON.parse(res.body), { hello: 'world', socket: 'EngineSocket' })
  const posted = await request(app.info.port, {
    method: 'POST',
    path: '/echo',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ n: 1, s: 'two' }),
  })
  t.is(posted.status, 201)
  t.deepEqual(JSON.parse(posted.body), { echoed: { n: 1, s: 'two' } })
  app.child.kill('SIGTERM')
  t.is((await app.exit()).signal, 'SIGTERM')
})

test('--import register.mjs: an ESM app using `import { createServer } from "node:http"` serves on mgnode', async (t) => {
  const app = await startChild(t, ['--import', registerMjs, fixture('register-http.mjs')])
  t.is(app.info.server, 'MgnodeServer')
  t.true(app.info.sameBinding)
  const res = await request(app.info.port, { path: '/esm', method: 'DELETE' })
  t.is(res.status, 200)
  t.is(res.body, 'esm DELETE /esm via EngineSocket')
  // The app's SIGTERM handler closes the server; with nothing else open the process ends by itself.
  app.child.kill('SIGTERM')
  const { code, signal, stdout } = await app.exit()
  t.is(signal, null)
  t.is(code, 0)
  t.regex(stdout, /^closed$/m)
})

test('the package specifiers resolve: -r mgnode/register and --import mgnode/register', async (t) => {
  const cjs = await startChild(t, ['-r', 'mgnode/register', fixture('register-http.cjs')])
  t.is(cjs.info.server, 'MgnodeServer')
  t.is(JSON.parse((await request(cjs.info.port)).body).socket, 'EngineSocket')
  cjs.child.kill('SIGTERM')
  await cjs.exit()
  const esm = await startChild(t, ['--import', 'mgnode/register', fixture('register-http.mjs')])
  t.is(esm.info.server, 'MgnodeServer')
  t.is((await request(esm.info.port)).body, 'esm GET / via EngineSocket')
  esm.child.kill('SIGTERM')
  t.is((await esm.exit()).code, 0)
})

test('supertest under -r register.js: its own http.createServer is mgnode, requests pass, the process exits', async (t) => {
  const run = await startChild(t, ['-r', registerCjs, fixture('register-supertest.cjs')])
  t.deepEqual(run.info, {
    get: { status: 200, body: { id: '7', socket: 'EngineSocket' } },
    post: { status: 201, body: { a: [1, 2] } },
    server: 'MgnodeServer',
    isMgnodeServer: true,
  })
  // supertest closes the server it started; nothing may keep the process alive after that.
  const { code, signal, stderr } = await run.exit()
  t.is(signal, null)
  t.is(code, 0, stderr)
})

test('control: supertest without the preload uses a node:http server', async (t) => {
  const run = await startChild(t, [fixture('register-supertest.cjs')])
  t.is(run.info.server, 'Server')
  t.false(run.info.isMgnodeServer)
  t.is(run.info.get.body.socket, 'Socket')
  t.is((await run.exit()).code, 0)
})
