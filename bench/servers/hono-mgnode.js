'use strict'
// Scenario 6: the Hono app on mgnode's fetch adapter: serve(honoApp, url).
const { main, serveMgnode, tryRequire } = require('./_common')

main(() => serveMgnode(tryRequire('./apps/hono-app', 'hono')))
