'use strict'
// The mgnode side: apps/echo-listener.js, a plain (req, res) listener, on mgnode's Server.
const { main, serveMgnode } = require('./_common')
const listener = require('./apps/echo-listener')

main(() => serveMgnode(listener))
