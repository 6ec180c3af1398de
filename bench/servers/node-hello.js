'use strict'
// The node:http side: apps/hello-listener.js on http.createServer.
const http = require('node:http')
const { main, listenNode } = require('./_common')
const listener = require('./apps/hello-listener')

main(() => listenNode(http.createServer(listener)))
