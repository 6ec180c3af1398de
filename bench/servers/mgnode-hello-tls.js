'use strict'
// Scenarios 12-14: apps/hello-listener.js on mgnode's createServer with
// node:https's options (and, flooded, a plain createServer in the same process).
const { HOST, main, mgnode, port, announce, announceTls, tlsFiles, flooded, onStop } = require('./_common')
const listener = require('./apps/hello-listener')

function listen(server, p) {
  return new Promise((resolve) => server.listen(p, HOST, () => resolve(server.address().port)))
}

main(async () => {
  const { createServer } = mgnode('createServer')
  const secure = createServer(tlsFiles(), listener)
  onStop(() => new Promise((resolve) => secure.close(() => resolve())))
  if (flooded()) {
    announceTls(await listen(secure, 0))
    const plain = createServer(listener)
    onStop(() => new Promise((resolve) => plain.close(() => resolve())))
    announce(await listen(plain, port()))
  } else {
    announce(await listen(secure, port()))
  }
})
