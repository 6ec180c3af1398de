// Runs a listener test on mgnode's createServer and on node:http's, so a
// difference shows which side it is on.
import test from 'ava'
import http from 'node:http'
import { once } from 'node:events'

import { createServer } from '../../dist/index.js'

export const targets = ['mgnode', 'node:http']
export const factories = { mgnode: createServer, 'node:http': http.createServer }

/** Runs `fn(t, target)` as one test per target. */
export function both(title, fn) {
  for (const target of targets) test(`${title} [${target}]`, (t) => fn(t, target))
}

/** Listens on 127.0.0.1:0 with `listener`; closes (dropping connections) on teardown. Returns the server. */
export async function listen(t, target, listener, options = {}) {
  const server = factories[target](options, listener)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise((r) => server.close(() => r()))
  })
  return server
}

export const portOf = (server) => server.address().port
