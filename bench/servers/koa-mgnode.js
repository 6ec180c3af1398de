'use strict'
// Scenario 4: the Koa app on mgnode (Server accepts a Koa app and uses its callback()).
const { main, serveMgnode, tryRequire } = require('./_common')

main(() => serveMgnode(tryRequire('./apps/koa-app', 'koa')))
