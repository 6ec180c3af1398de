'use strict'
// Scenario 5, baseline: the Fastify app on node:http (Fastify's own server).
const { HOST, main, port, announce, onStop, tryRequire } = require('./_common')

main(async () => {
  tryRequire('fastify')
  const app = require('./apps/fastify-app')()
  await app.listen({ port: port(), host: HOST })
  announce(app.server.address().port)
  onStop(() => app.close())
})
