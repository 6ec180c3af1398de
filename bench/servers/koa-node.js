'use strict'
// Scenario 4, baseline: the Koa app (apps/koa-app.js) on node:http.
const http = require('node:http')
const { main, listenNode, tryRequire } = require('./_common')

main(() => {
  const app = tryRequire('./apps/koa-app', 'koa')
  listenNode(http.createServer(app.callback()))
})
