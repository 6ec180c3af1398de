'use strict'
// Scenario 1 (and 9): hello world on mgnode's low-level Manager API.
const { main, serveManager } = require('./_common')
const { HELLO } = require('./apps/payloads')

const HEADERS = { 'content-type': 'text/plain' }
main(() => serveManager((req, reply) => reply.send(200, HEADERS, HELLO)))
