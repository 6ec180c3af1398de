'use strict'
// A 1 MiB response as a plain request listener.
const { patterned, BIG_SIZE } = require('./payloads')

const BODY = patterned(BIG_SIZE)
const HEADERS = { 'content-type': 'application/octet-stream', 'content-length': String(BODY.length) }

module.exports = function big(req, res) {
  res.writeHead(200, HEADERS)
  res.end(BODY)
}
