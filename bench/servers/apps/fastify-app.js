'use strict'
// Fastify 5 app: GET /user/:id -> { id, name }. `serverFactory` picks the HTTP server.
const fastify = require('fastify')
const { user } = require('./payloads')

module.exports = function build(options) {
  const app = fastify({ logger: false, ...options })
  app.get('/user/:id', async (req) => user(req.params.id))
  return app
}
