// The framing table as a test: on every vector of framing/vectors.mjs, mgnode
// must refuse whatever node:http (llhttp, strict) refuses, with the same status
// and a close; its app must never see a request (or body) node:http's app did
// not see; and it must not sit waiting where node:http answers.
// Run `npm run framing` for the side-by-side table.
import test from 'ava'
import http from 'node:http'

import { createServer } from '../dist/index.js'
import vectors from './framing/vectors.mjs'
import { parseResponses, runVectors } from './framing/harness.mjs'
import { describe, violations } from './framing/compare.mjs'

/**
 * Where mgnode differs from node:http on purpose: vector id -> the rules
 * (see compare.mjs `violations`) it is excused from, and why.
 */
const ALLOWED = {
  // node:http answers 400 instead of 200 when bytes follow a request that ends
  // the connection (llhttp's "data after Connection: close"), losing the answer
  // to a valid request. mgnode answers it and closes without reading on, which
  // is what RFC 9112 §9.6 asks; the follow-up request is served by neither.
  'base-http10': { rules: ['refuses'] },
  'base-conn-close': { rules: ['refuses'] },
}

// Each group runs once on each server, when its first test needs it; tests run
// one after another so the vectors never compete for the CPU with each other.
const groupRuns = new Map()
function outcomesOf(group) {
  if (!groupRuns.has(group)) {
    const members = vectors.filter((v) => v.group === group)
    groupRuns.set(
      group,
      (async () => ({
        node: await runVectors(http.createServer, members),
        mgnode: await runVectors(createServer, members),
      }))(),
    )
  }
  return groupRuns.get(group)
}

for (const vector of vectors) {
  test.serial(`${vector.group} / ${vector.id}: ${vector.description}`, async (t) => {
    const { node, mgnode } = await outcomesOf(vector.group)
    const ours = mgnode.get(vector.id)
    const reference = node.get(vector.id)
    const broken = violations(reference, ours, ALLOWED[vector.id]?.rules)
    t.deepEqual(
      broken.map((b) => `${b.rule}: ${b.detail}`),
      [],
      `node:http: ${describe(reference)}\nmgnode:    ${describe(ours)}`,
    )
  })
}

test('the harness reads responses by their framing: 1xx, Content-Length, chunked, until close', (t) => {
  const stream = Buffer.from(
    'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nHTTP/1.1 500 inside' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: 1\r\n\r\n' +
      'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nrest',
  )
  const closed = parseResponses(stream, true)
  t.deepEqual(closed.responses.map((r) => [r.status, r.bodyLength]), [[100, 0], [200, 19], [200, 19], [400, 4]])
  t.is(closed.problem, null)
  t.is(parseResponses(stream, false).problem, 'body until close, still open')
  t.is(parseResponses(stream.subarray(0, 70), false).problem, 'incomplete body')
  t.is(parseResponses(Buffer.from('garbage\r\n\r\n'), true).problem, 'not a response')
})

test.serial('the harness is deterministic: node:http gives the same outcome on a second run', async (t) => {
  const second = await runVectors(http.createServer, vectors)
  const changed = []
  for (const vector of vectors) {
    const { node } = await outcomesOf(vector.group)
    const before = describe(node.get(vector.id))
    const after = describe(second.get(vector.id))
    if (before !== after) changed.push(`${vector.id}: ${before} -> ${after}`)
  }
  t.deepEqual(changed, [])
})
