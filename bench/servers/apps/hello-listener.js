'use strict'
// Hello world as a plain (req, res) request listener: served by node:http and by mgnode.
const { HELLO } = require('./payloads')

const BODY = Buffer.from(HELLO)
const HEADERS = { 'content-type': 'text/plain', 'content-length': String(BODY.length) }

module.exports = function hello(req, res) {
  res.writeHead(200, HEADERS)
  res.end(HELLO)
}
