'use strict'
// Scenario 5: the Fastify app on mgnode through Fastify's serverFactory and
// mgnode's drop-in createServer.
const { HOST, main, port, announce, onStop, mgnode, tryRequire } = require('./_common')

main(async () => {
  const { createServer } = mgnode('createServer')
  tryRequire('fastify')
  const app = require('./apps/fastify-app')({
    serverFactory: (handler) => createServer(handler),
  })
  await app.listen({ port: port(), host: HOST })
  announce(app.server.address().port)
  onStop(() => app.close())
})
