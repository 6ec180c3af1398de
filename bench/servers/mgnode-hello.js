'use strict'
// The mgnode side: apps/hello-listener.js, a plain (req, res) listener, on mgnode's Server.
const { main, serveMgnode } = require('./_common')
const listener = require('./apps/hello-listener')

main(() => serveMgnode(listener))
