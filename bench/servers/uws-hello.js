'use strict'
// Peer: hello world on uWebSockets.js (the npm repackage @trufflesuite/uws-js-unofficial).
const { HOST, main, port, announce, onStop, tryRequire, unavailable } = require('./_common')
const { HELLO } = require('./apps/payloads')

main(() => {
  const uWS = tryRequire('@trufflesuite/uws-js-unofficial', 'uWebSockets.js')
  const app = uWS.App().get('/*', (res) => {
    res.writeHeader('content-type', 'text/plain').end(HELLO)
  })
  app.listen(HOST, port(), (socket) => {
    if (!socket) unavailable('uWebSockets.js could not listen')
    announce(uWS.us_socket_local_port(socket))
    onStop(() => uWS.us_listen_socket_close(socket))
  })
})
