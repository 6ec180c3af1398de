// serve(): resolves once listening with the server (its address, close()),
// and goes on serving until a signal, after which the process ends by itself.
import test from 'ava'
import { createRequire } from 'node:module'

import { startChild } from './helpers/child.mjs'
import { simpleGet } from './helpers/raw.mjs'

const require = createRequire(import.meta.url)
const { serve, Server } = require('../dist/index.js')
const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url).pathname

test('serve() resolves once listening, with the port it got; close() stops it', async (t) => {
  const server = await serve((req, res) => res.end(`hi ${req.url}`), 'http://127.0.0.1:0')
  const [, port] = server.localAddr
  t.true(port > 0)
  t.is((await simpleGet(port, '/x')).body.toString(), 'hi /x')
  await server.close()
  await t.throwsAsync(simpleGet(port, '/x'))
})

test('run() also ends when close() is called elsewhere', async (t) => {
  const server = new Server((req, res) => res.end('ok'))
  await server.listen('http://127.0.0.1:0')
  const running = server.run()
  await server.close()
  await running
  t.true(server.localAddr[1] > 0)
})

test('a process that called serve() serves until SIGTERM, then exits 0 by itself', async (t) => {
  const { match, child, exited } = await startChild(t, [fixture('serve-fn.cjs')], { ready: /PORT=(\d+)/ })
  const port = Number(match[1])
  t.is((await simpleGet(port, '/a')).body.toString(), 'served /a')
  child.kill('SIGTERM')
  const { code, signal } = await exited
  t.is(code, 0)
  t.is(signal, null)
})
