'use strict'
// The mgnode side: apps/big-listener.js, a plain (req, res) listener, on mgnode's Server.
const { main, serveMgnode } = require('./_common')
const listener = require('./apps/big-listener')

main(() => serveMgnode(listener))
