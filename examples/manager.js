'use strict'
// The low-level `Manager` API: no node:http objects, just the request as
// plain data and a `reply` to answer with. The fastest way to use mgnode.
//
//   npm install mgnode && node manager.js
//   curl http://127.0.0.1:8000/             # one whole response
//   curl http://127.0.0.1:8000/stream       # a streamed (chunked) one
//   curl -d 'some bytes' http://127.0.0.1:8000/echo
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// stops it: requests in flight are answered first.
const { Manager } = require('mgnode')

async function handler(req, reply) {
  if (req.url === '/stream') {
    reply.writeHead(200, { 'content-type': 'text/plain' })
    for (let i = 1; i <= 5; i++) {
      // write() returns false when the client is behind: wait for it.
      if (!reply.write(`line ${i}\n`)) await reply.drain()
    }
    reply.end()
  } else if (req.url === '/echo' && req.method === 'POST') {
    // Bodies up to 256 KiB come whole in req.body; larger ones stream.
    let body = req.body
    if (req.streamed) {
      const parts = []
      for await (const chunk of req.bodyStream) parts.push(chunk)
      body = Buffer.concat(parts)
    }
    reply.send(200, { 'content-type': 'application/octet-stream' }, body)
  } else {
    reply.send(200, { 'content-type': 'text/plain' }, `hello from ${req.method} ${req.url}\n`)
  }
}

async function main() {
  const port = Number(process.env.PORT ?? 8000)
  const manager = new Manager()
  const listener = await manager.listen(`http://127.0.0.1:${port}`, handler, { maxBodySize: 1 << 20 })
  console.log(`listening on http://127.0.0.1:${listener.localAddr[1]}`)

  const stop = async () => {
    await manager.close() // in-flight requests get up to 5 s to finish
    console.log('stopped')
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
