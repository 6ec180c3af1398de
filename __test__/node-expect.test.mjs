// `Expect` requests, as node:http hands them out: 'checkContinue' and
// 'checkExpectation' when the server listens for them, node:http's own
// answers (100 Continue then 'request', or 417) when it does not.
import { both, listen, portOf } from './helpers/both.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'
import { sleep } from './helpers/server.mjs'

async function connect(t, server) {
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  return client
}

/** Reads the body, answers with its length. */
function bodyLength(req, res) {
  let n = 0
  req.on('data', (d) => (n += d.length))
  req.on('end', () => res.end(`got ${n}`))
}

both('checkContinue: the app sends 100 Continue itself, then reads the body', async (t, target) => {
  const events = []
  const server = await listen(t, target, () => events.push('request'))
  server.on('checkContinue', (req, res) => {
    events.push('checkContinue')
    res.writeContinue()
    bodyLength(req, res)
  })
  await sleep(20) // the engine learns of the listener
  const client = await connect(t, server)
  await client.write(requestHead('PUT', '/up', { 'Content-Length': 5, Expect: '100-continue' }))
  const [interim] = await client.readResponses(1)
  t.is(interim.status, 100)
  await client.write('hello')
  const [res] = await client.readResponses(1)
  t.is(res.status, 200)
  t.is(res.body.toString(), 'got 5')
  t.deepEqual(events, ['checkContinue'])
})

both('checkContinue: answering at once, without 100 Continue, ends the connection', async (t, target) => {
  const server = await listen(t, target, () => {})
  server.on('checkContinue', (req, res) => {
    res.statusCode = 401
    res.end('no')
  })
  await sleep(20)
  const client = await connect(t, server)
  await client.write(requestHead('PUT', '/up', { 'Content-Length': 5, Expect: '100-continue' }))
  const [res] = await client.readResponses(1)
  t.is(res.status, 401)
  t.is(res.header('connection'), 'close')
  t.true(await client.waitForClose(), 'the connection stays open')
})

both("no 'checkContinue' listener: 100 Continue goes out and 'request' is emitted", async (t, target) => {
  const server = await listen(t, target, bodyLength)
  const client = await connect(t, server)
  await client.write(requestHead('PUT', '/up', { 'Content-Length': 5, Expect: '100-continue' }))
  const [interim] = await client.readResponses(1)
  t.is(interim.status, 100)
  await client.write('hello')
  const [res] = await client.readResponses(1)
  t.is(res.body.toString(), 'got 5')
})

both("checkExpectation takes other Expect values; without it they get 417", async (t, target) => {
  const server = await listen(t, target, () => t.fail("'request' for an unmet expectation"))
  let client = await connect(t, server)
  await client.write(requestHead('GET', '/', { Expect: 'tea' }))
  t.is((await client.readResponses(1))[0].status, 417)
  server.on('checkExpectation', (req, res) => res.end(`expected ${req.headers.expect}`))
  await sleep(20)
  client = await connect(t, server)
  await client.write(requestHead('GET', '/', { Expect: 'tea' }))
  const [res] = await client.readResponses(1)
  t.is(res.status, 200)
  t.is(res.body.toString(), 'expected tea')
})
