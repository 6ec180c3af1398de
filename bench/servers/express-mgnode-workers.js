'use strict'
// Scenario 10: the Express 5 app on mgnode with worker threads (two, or
// BENCH_WORKERS from --workers), each loading apps/express-app.js, all fed by
// one Mongoose listener.
const path = require('node:path')
const { main, serveMgnode, workers } = require('./_common')

main(() => serveMgnode(path.join(__dirname, 'apps', 'express-app.js'), { workers: workers() }))
