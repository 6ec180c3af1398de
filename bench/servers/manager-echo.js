'use strict'
// Scenario 8: a POST body echoed back on mgnode's low-level Manager API.
const { main, serveManager } = require('./_common')

const HEADERS = { 'content-type': 'application/octet-stream' }
main(() => serveManager((req, reply) => reply.send(200, HEADERS, req.body)))
