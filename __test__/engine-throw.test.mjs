// Kept in its own file: if a throwing handler becomes an uncaught exception,
// it only takes this file's worker down.
import test from 'ava'
import { startServer } from './helpers/server.mjs'
import { RawClient, requestHead, simpleGet } from './helpers/raw.mjs'

test('a handler that throws gets a 500 and does not take the server down', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/throw') throw new Error('handler failure (expected by test)')
    reply.send(200, {}, 'fine')
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/throw', { Connection: 'close' }))
  const outcome = await client.readResponse({ timeout: 3000 }).then(
    (r) => `response ${r.status}`,
    (e) => `${e.name}: ${e.message}`,
  )
  // the Manager's Handler type documents: throwing (or rejecting) answers 500
  t.is(outcome, 'response 500')
  const res = await simpleGet(port, '/ok')
  t.is(res.body.toString(), 'fine')
})

test('a handler whose promise rejects gets a 500', async (t) => {
  const { port } = await startServer(t, async (req, reply) => {
    if (req.url === '/reject') throw new Error('async handler failure (expected by test)')
    reply.send(200, {}, 'fine')
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/reject'))
  const res = await client.readResponse({ timeout: 3000 })
  t.is(res.status, 500)
  await client.write(requestHead('GET', '/ok'))
  const ok = await client.readResponse()
  t.is(ok.body.toString(), 'fine')
})
