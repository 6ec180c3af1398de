'use strict'
// The node:https side of scenarios 12-14: apps/hello-listener.js on
// https.createServer (and, flooded, on http.createServer in the same process).
const http = require('node:http')
const https = require('node:https')
const { HOST, main, port, announce, announceTls, tlsFiles, flooded, onStop } = require('./_common')
const listener = require('./apps/hello-listener')

function listen(server, p) {
  return new Promise((resolve) => server.listen(p, HOST, () => resolve(server.address().port)))
}

function stopping(server) {
  onStop(() => new Promise((resolve) => {
    server.close(resolve)
    server.closeAllConnections()
  }))
}

main(async () => {
  const secure = https.createServer(tlsFiles(), listener)
  stopping(secure)
  if (flooded()) {
    announceTls(await listen(secure, 0))
    const plain = http.createServer(listener)
    stopping(plain)
    announce(await listen(plain, port()))
  } else {
    announce(await listen(secure, port()))
  }
})
