'use strict'
// Scenario 7: a 1 MiB response on mgnode's low-level Manager API.
const { main, serveManager } = require('./_common')
const { patterned, BIG_SIZE } = require('./apps/payloads')

const BODY = patterned(BIG_SIZE)
const HEADERS = { 'content-type': 'application/octet-stream' }
main(() => serveManager((req, reply) => reply.send(200, HEADERS, BODY)))
