// `Server`'s accessLog, factory and warningHandler options, through the API rather than the CLI.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { Server, MgnodeError, MgnodeWarning, markFetch } = require('../dist/index.js')
const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

test('accessLog { format, destination } writes a fetch app\'s lines to the destination given', async (t) => {
  const written = []
  const app = markFetch((request) => new Response('hi there', { status: 201 }))
  const server = new Server(app, { accessLog: { format: 'common', destination: { write: (text) => written.push(text) } } })
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const res = await fetch(`http://127.0.0.1:${localAddr[1]}/x`, { headers: { authorization: 'Basic ' + Buffer.from('ann:pw').toString('base64') } })
  t.is(await res.text(), 'hi there')
  await server.close()
  const lines = written.join('').split('\n')
  t.is(lines.pop(), '')
  t.is(lines.length, 1)
  t.regex(lines[0], /^127\.0\.0\.1 - ann \[[^\]]+\] "GET \/x HTTP\/1\.1" 201 8$/)
})

test('accessLog logs a request cut short by the client: a streamed fetch response whose reader left', async (t) => {
  const written = []
  const app = markFetch(() => {
    const stream = new ReadableStream({
      pull(controller) {
        controller.enqueue(new Uint8Array(64 * 1024))
        return new Promise((resolve) => setTimeout(resolve, 5))
      },
    })
    return new Response(stream)
  })
  const server = new Server(app, { accessLog: { format: 'json', destination: { write: (text) => written.push(text) } } })
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const controller = new AbortController()
  const res = await fetch(`http://127.0.0.1:${localAddr[1]}/endless`, { signal: controller.signal })
  const reader = res.body.getReader()
  await reader.read()
  controller.abort()
  // The line is written when the engine reports the connection gone.
  for (let i = 0; i < 100 && !written.join('').includes('/endless'); i++) await new Promise((r) => setTimeout(r, 20))
  await server.close()
  const entry = JSON.parse(written.join('').trim())
  t.like(entry, { url: '/endless', status: 200, contentLength: null })
})

test('an unknown accessLog format is refused when the server is made', (t) => {
  const err = t.throws(() => new Server((req, res) => res.end(), { accessLog: 'apache' }))
  t.true(err instanceof MgnodeError)
  t.is(err.code, 'ERR_INVALID_ARG_VALUE')
})

test('without accessLog the logger is never loaded; with it, it is', (t) => {
  // In a fresh process: whether morgan is in the module cache after a served request.
  const script = (options) => `
    const { Server } = require(${JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)))})
    const server = new Server((req, res) => res.end('ok'), ${options})
    server.listen('http://127.0.0.1:0').then(async ({ localAddr }) => {
      await (await fetch('http://127.0.0.1:' + localAddr[1] + '/')).text()
      await server.close()
      console.log(Object.keys(require.cache).some((k) => /[\\\\/]node_modules[\\\\/]morgan[\\\\/]/.test(k)))
    })`
  const off = execFileSync(process.execPath, ['-e', script('{}')], { encoding: 'utf8', timeout: 15_000 })
  const on = execFileSync(process.execPath, ['-e', script("{ accessLog: { format: 'common', destination: { write() {} } } }")], {
    encoding: 'utf8',
    timeout: 15_000,
  })
  t.is(off.trim(), 'false')
  t.is(on.trim(), 'true')
})

test('factory: true builds the app by calling the named export', async (t) => {
  const server = new Server(fixture('cli-named.mjs') + ':createApp', { factory: true })
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  t.teardown(() => server.close())
  t.is(await (await fetch(`http://127.0.0.1:${localAddr[1]}/`)).text(), 'built')
})

test('warningHandler hears a module that calls listen() while loading, once though two workers load it', async (t) => {
  const net = await import('node:net')
  const probe = net.createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => probe.once('listening', resolve))
  const port = probe.address().port
  await new Promise((resolve) => probe.close(resolve))
  process.env.APP_PORT = String(port)
  t.teardown(() => delete process.env.APP_PORT)

  const warnings = []
  const errors = []
  const server = new Server(fixture('cli-listens.cjs'), {
    workers: 2,
    warningHandler: (w) => warnings.push(w),
    // The second worker's listen() fails with EADDRINUSE (the trouble the warning is about); it is restarted.
    errorHandler: (err) => errors.push(err),
  })
  await server.listen('http://127.0.0.1:0')
  await server.close()
  t.is(warnings.length, 1)
  t.true(warnings[0] instanceof MgnodeWarning)
  t.is(warnings[0].code, 'MGNODE_APP_LISTENS')
  t.regex(warnings[0].message, new RegExp(`node:http server on port ${port} on 127\\.0\\.0\\.1`))
})
