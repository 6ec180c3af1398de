'use strict'
// The node:http side: apps/big-listener.js on http.createServer.
const http = require('node:http')
const { main, listenNode } = require('./_common')
const listener = require('./apps/big-listener')

main(() => listenNode(http.createServer(listener)))
