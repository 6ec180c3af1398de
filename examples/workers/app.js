'use strict'
// The app module that examples/workers/server.js serves from several worker
// threads. Each worker loads its own copy of this module, so keep shared
// state out of it (use a database or a cache server for that). Export the
// app as `module.exports`, `exports.app` or a default export; do not call
// listen() here.
const { threadId } = require('node:worker_threads')
const express = require('express')

const app = express()
app.get('/', (req, res) => res.json({ hello: 'from a worker', threadId }))

module.exports = app
