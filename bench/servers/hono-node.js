'use strict'
// Scenario 6, baseline: the Hono app on @hono/node-server.
const { HOST, main, port, announce, onStop, tryRequire } = require('./_common')

main(() => {
  const app = tryRequire('./apps/hono-app', 'hono')
  const { serve } = tryRequire('@hono/node-server')
  const server = serve({ fetch: app.fetch, port: port(), hostname: HOST }, (info) => announce(info.port))
  onStop(() => new Promise((resolve) => {
    server.close(resolve)
    if (server.closeAllConnections) server.closeAllConnections()
  }))
})
