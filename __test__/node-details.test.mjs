// Details of node:http that helpers and frameworks read, on mgnode's
// createServer and node:http's side by side.
import { both, listen, portOf } from './helpers/both.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'

both('res.writeEarlyHints sends a 103 with its Link headers before the final response', async (t, target) => {
  const server = await listen(t, target, (req, res) => {
    res.writeEarlyHints({ link: ['</style.css>; rel=preload; as=style', '</app.js>; rel=preload; as=script'] })
    setTimeout(() => res.end('final'), 10)
  })
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  const [hints, final] = await client.readResponses(2)
  t.is(hints.status, 103)
  t.deepEqual(hints.headers.link, ['</style.css>; rel=preload; as=style, </app.js>; rel=preload; as=script'])
  t.is(final.status, 200)
  t.is(final.body.toString(), 'final')
})

both("server.maxRequestsPerSocket: the response to the last allowed request says Connection: close, and the connection ends", async (t, target) => {
  const server = await listen(t, target, (req, res) => res.end(req.url))
  server.maxRequestsPerSocket = 2
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/1'))
  const first = await client.readResponse()
  t.is(first.header('connection'), 'keep-alive')
  await client.write(requestHead('GET', '/2'))
  const second = await client.readResponse()
  t.is(second.header('connection'), 'close')
  t.is(second.body.toString(), '/2')
  await client.waitForClose(3000)
})

both('remote and local address, port and family of req.socket', async (t, target) => {
  const server = await listen(t, target, (req, res) => {
    const s = req.socket
    res.end(JSON.stringify([s.remoteAddress, s.remoteFamily, typeof s.remotePort, s.localAddress, s.localPort, s.address().port]))
  })
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  t.deepEqual(JSON.parse((await client.readResponse()).body), ['127.0.0.1', 'IPv4', 'number', '127.0.0.1', portOf(server), portOf(server)])
})
