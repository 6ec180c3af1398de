'use strict'
// Scenarios 3 and 10, baseline: the Express 5 app (apps/express-app.js) on node:http.
const http = require('node:http')
const { main, listenNode, tryRequire } = require('./_common')

main(() => {
  const app = tryRequire('./apps/express-app', 'express')
  listenNode(http.createServer(app))
})
