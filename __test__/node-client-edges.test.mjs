// The three client-side edges of issue 14, each compared with node:http:
// test runners that use supertest end by themselves, a client that half-closes
// after its requests still gets every answer, and req.socket.destroy(err)
// reports the error to on-finished (Koa's "should handle socket errors").
import test from 'ava'
import { once } from 'node:events'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Koa from 'koa'
import onFinished from 'on-finished'

import { both, listen, portOf } from './helpers/both.mjs'
import { runToExit } from './helpers/child.mjs'
import { root, within } from './helpers/server.mjs'

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const register = path.join(root, 'register.js')
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js')

const run = (args, env) => runToExit(args, { cwd: root, env, ms: 30_000 })

for (const [label, preload, socket] of [
  ['through the preload', ['-r', register], 'EngineSocket'],
  ['control, on node:http', [], 'Socket'],
]) {
  test(`mocha with supertest on Express ends by itself once its specs pass (${label})`, async (t) => {
    const r = await run([...preload, mocha, '--no-config', fixture('supertest-mocha.spec.cjs')], { EXPECT_SOCKET: socket })
    t.false(r.killed, `mocha did not exit by itself:\n${r.out}`)
    t.is(r.code, 0, r.out)
    t.regex(r.out, /3 passing/)
  })

  test(`node --test with supertest on Koa ends by itself once its tests pass (${label})`, async (t) => {
    const r = await run([...preload, '--test', '--test-reporter=tap', fixture('supertest-node-test.cjs')], { EXPECT_SOCKET: socket })
    t.false(r.killed, `node --test did not exit by itself:\n${r.out}`)
    t.is(r.code, 0, r.out)
    t.regex(r.out, /# pass 2/)
  })
}

/** Sends `wire` and the client's FIN at once; resolves with everything the server sent before closing. */
async function halfClosed(server, wire) {
  const socket = net.connect({ port: portOf(server), host: '127.0.0.1', allowHalfOpen: true })
  await once(socket, 'connect')
  const received = []
  socket.on('data', (d) => received.push(d))
  socket.end(wire)
  await within(once(socket, 'end'), 5000, 'the server never closed its side')
  socket.destroy()
  return Buffer.concat(received).toString()
}

const TWO_GETS = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'

both('a client that sends two pipelined GETs and then its FIN (printf … | nc) gets both answers, then the close', async (t, target) => {
  const server = await listen(t, target, (req, res) => res.end(`answer to ${req.url}`))
  const text = await halfClosed(server, TWO_GETS)
  t.deepEqual([...text.matchAll(/answer to \/[ab]/g)].map((m) => m[0]), ['answer to /a', 'answer to /b'])
  t.is(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2)
})

both("req.socket.destroy(err): on-finished reports err, as Koa's 'should handle socket errors' expects", async (t, target) => {
  const seen = []
  let socketClosed
  const closed = new Promise((resolve) => (socketClosed = resolve))
  const reported = new Promise((resolve) => {
    const app = new Koa()
    app.use((ctx) => {
      onFinished(ctx.res, (err) => resolve(err))
      ctx.req.socket.on('error', (err) => seen.push(['error', err.message]))
      ctx.req.socket.on('close', () => {
        seen.push(['close'])
        socketClosed()
      })
      ctx.req.socket.destroy(new Error('boom'))
    })
    app.on('error', () => {})
    listen(t, target, app.callback()).then((server) => {
      const client = net.connect(portOf(server), '127.0.0.1', () => client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
      client.on('error', () => {})
      t.teardown(() => client.destroy())
    })
  })
  const err = await within(reported, 5000, 'on-finished never called back')
  await within(closed, 5000, "req.socket never emitted 'close'")
  t.is(err?.message, 'boom')
  t.deepEqual(seen.slice(0, 2), [['error', 'boom'], ['close']])
})
