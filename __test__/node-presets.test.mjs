// Property presets: after the first requests, req and res are handed to the
// app with the own properties it adds to them already there, so an app that
// swaps their prototypes (Express) adds nothing afterwards and V8 shares one
// hidden class across requests. Reads must not change.
import test from 'ava'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { IncomingMessage, ServerResponse } from 'node:http'

import { listen, portOf } from './helpers/both.mjs'
import { request } from './helpers/http-client.mjs'

const run = promisify(execFile)
const fixture = fileURLToPath(new URL('./fixtures/shared-shapes.cjs', import.meta.url))

/** Enough requests to get past the learning ones. */
const WARM = 40

test("Express's req and res share V8's hidden class from one request to the next once learnt", async (t) => {
  const { stdout } = await run(process.execPath, ['--allow-natives-syntax', fixture, String(WARM + 20)], { timeout: 30_000 })
  const same = JSON.parse(stdout.trim().split('\n').pop())
  t.is(same.req.length, WARM + 19)
  // Without the presets every request's req and res get classes of their own (all false).
  t.deepEqual(same.req.slice(-20), new Array(20).fill(true))
  t.deepEqual(same.res.slice(-20), new Array(20).fill(true))
})

/** A listener that swaps prototypes as Express does, then adds properties. */
function swappingListener(seen) {
  const reqProto = Object.create(IncomingMessage.prototype, {
    answer: { value: 42, writable: true },
    tracked: {
      get() {
        return this._tracked
      },
      set(v) {
        seen.setterCalls++
        this._tracked = v
      },
    },
  })
  const resProto = Object.create(ServerResponse.prototype)
  return (req, res) => {
    seen.entry.push({
      params: Object.hasOwn(req, 'params'),
      paramsValue: req.params,
      statusCode: Object.hasOwn(res, 'statusCode'),
      statusCodeValue: res.statusCode,
      answer: Object.hasOwn(req, 'answer'),
      tracked: Object.hasOwn(req, 'tracked'),
      hidden: Object.hasOwn(req, 'hidden'),
    })
    Object.setPrototypeOf(req, reqProto)
    Object.setPrototypeOf(res, resProto)
    seen.answerAfterSwap.push(req.answer)
    req.params = { id: req.url.slice(1) }
    req.answer = 1
    req.tracked = req.url
    Object.defineProperty(req, 'hidden', { value: 1, writable: true, configurable: true, enumerable: false })
    res.locals = { n: 1 }
    res.end(`${req.params.id} ${req.tracked}`)
  }
}

test('keys the app adds are there from the start, reading as they did; accessors, other values and hidden keys are left alone', async (t) => {
  const seen = { entry: [], answerAfterSwap: [], setterCalls: 0 }
  const server = await listen(t, 'mgnode', swappingListener(seen))
  const bodies = []
  for (let i = 0; i < WARM; i++) bodies.push((await request(portOf(server), { path: `/${i}` })).body.toString())
  t.deepEqual(bodies, Array.from({ length: WARM }, (_, i) => `${i} /${i}`))

  t.like(seen.entry[0], { params: false, statusCode: false })
  const last = seen.entry.at(-1)
  t.deepEqual(last, {
    // Learnt: a plain own key on req, and node:http's own res.statusCode (added by writeHead).
    params: true,
    paramsValue: undefined,
    statusCode: true,
    statusCodeValue: 200,
    // Not learnt: the swapped-in prototype reads 42 where IncomingMessage reads undefined.
    answer: false,
    // Not learnt: an accessor on the swapped-in prototype; its setter keeps being called.
    tracked: false,
    // Not learnt: a non-enumerable own key.
    hidden: false,
  })
  t.deepEqual(new Set(seen.answerAfterSwap), new Set([42]))
  t.is(seen.setterCalls, WARM)
})

test('an app that never swaps a prototype gets nothing up front', async (t) => {
  const entry = []
  const server = await listen(t, 'mgnode', (req, res) => {
    entry.push(Object.hasOwn(req, 'user') || Object.hasOwn(res, 'statusCode'))
    req.user = req.url
    res.statusCode = 200
    res.end('ok')
  })
  for (let i = 0; i < WARM; i++) await request(portOf(server), { path: `/${i}` })
  t.is(entry.length, WARM)
  t.false(entry.includes(true))
})
