'use strict'
// Scenario 3: the Express 5 app on mgnode, on the main thread: serve(app).
const { main, serveMgnode, tryRequire } = require('./_common')

main(() => serveMgnode(tryRequire('./apps/express-app', 'express')))
