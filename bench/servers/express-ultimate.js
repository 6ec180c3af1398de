'use strict'
// Scenario 3, peer: the same route on ultimate-express (Express rewritten on
// uWebSockets.js; the npm override aliases uWebSockets.js to the npm repackage).
const { HOST, main, port, announce, onStop, tryRequire } = require('./_common')

main(() => {
  const express = tryRequire('ultimate-express')
  const install = require('./apps/express-routes')
  const app = install(express())
  app.listen(port(), HOST, () => {
    announce(app.port)
    onStop(() => app.close && app.close())
  })
})
