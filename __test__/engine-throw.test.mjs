// Kept in its own file: if a throwing handler becomes an uncaught exception,
// it only takes this file's worker down.
import test from 'ava'
import { startServer } from './helpers/server.mjs'
import { RawClient, requestHead, simpleGet } from './helpers/raw.mjs'

test('a handler that throws does not take the server down', async (t) => {
  // Whatever the engine does with the throw (500, close, or reporting), the next request must work.
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
  t.log('throwing handler outcome:', outcome)
  // answered (e.g. 500) or closed, but not left hanging
  t.false(/timed out/.test(outcome), outcome)
  const res = await simpleGet(port, '/ok')
  t.is(res.body.toString(), 'fine')
})
