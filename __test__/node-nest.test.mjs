// A NestJS app (Express adapter) on mgnode: its e2e test (@nestjs/testing +
// supertest) passes under the preload and the runner ends by itself; the
// same app served by `Server` answers a real client.
import test from 'ava'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import { Server } from '../dist/index.js'
import { runToExit } from './helpers/child.mjs'
import { root } from './helpers/server.mjs'

const require = createRequire(import.meta.url)
const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

const run = (args, env) => runToExit(args, { cwd: root, env, ms: 60_000 })

for (const [label, preload, socket, server] of [
  ['under the preload', ['-r', path.join(root, 'register.js')], 'EngineSocket', 'MgnodeServer'],
  ['control, on node:http', [], 'Socket', 'Server'],
]) {
  test(`NestJS e2e test (@nestjs/testing + supertest) passes and node --test ends by itself (${label})`, async (t) => {
    const r = await run([...preload, '--test', '--test-reporter=tap', fixture('nest-e2e.spec.cjs')], { EXPECT_SOCKET: socket, EXPECT_SERVER: server })
    t.false(r.killed, `the run did not end by itself:\n${r.out}`)
    t.is(r.code, 0, r.out)
    t.regex(r.out, /# pass 3/)
  })
}

test('the NestJS app served by Server (its Express instance) answers a real client', async (t) => {
  const { NestFactory } = require('@nestjs/core')
  const { AppModule } = require(fixture('nest-app.cjs'))
  const nest = await NestFactory.create(AppModule, { logger: false })
  await nest.init()
  t.teardown(() => nest.close())
  const server = new Server(nest.getHttpAdapter().getInstance())
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const base = `http://127.0.0.1:${localAddr[1]}`
  const created = await fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'gear' }) })
  t.is(created.status, 201)
  t.deepEqual(await created.json(), { id: 1, name: 'gear' })
  t.deepEqual(await (await fetch(`${base}/items/1`)).json(), { id: 1, item: { name: 'gear' } })
  t.deepEqual(await (await fetch(`${base}/items/meta/socket`)).json(), { socket: 'EngineSocket' })
})
