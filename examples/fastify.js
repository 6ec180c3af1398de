'use strict'
// A Fastify app on mgnode: its `serverFactory` builds the server with
// mgnode's `createServer`, a drop-in for `http.createServer`.
//
//   npm install mgnode fastify && node fastify.js
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// stops it through `app.close()`.
const Fastify = require('fastify')
const { createServer } = require('mgnode')

const app = Fastify({ serverFactory: (handler) => createServer(handler) })
app.get('/', async () => ({ hello: 'Fastify' }))
app.get('/items/:id', async (request) => ({ id: request.params.id }))

const port = Number(process.env.PORT ?? 8000)
app.listen({ port, host: '127.0.0.1' }).then(
  () => console.log(`listening on http://127.0.0.1:${app.server.address().port}`),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    app.close().then(() => console.log('stopped'))
  })
}
