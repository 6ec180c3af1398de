// Failures in fetch handlers: 500 when nothing was sent, an aborted connection
// when a stream fails midway, the stack on stderr, and the server keeps serving.
import test from 'ava'
import { RawClient, requestHead, IncompleteResponseError } from './helpers/raw.mjs'
import { captureErrors, fetchHandler, serveFetch } from './helpers/fetch.mjs'

// These tests replace console.error to read what was logged, so they run one at a time.
const serial = test.serial

async function failingServer(t) {
  const errors = captureErrors()
  t.teardown(() => errors.restore())
  const { port } = await serveFetch(t, {
    async fetch(request) {
      const path = new URL(request.url).pathname
      switch (path) {
        case '/throw':
          throw new Error('thrown synchronously')
        case '/reject':
          await null
          throw new Error('rejected later')
        case '/undefined':
          return undefined
        case '/object':
          return { status: 200, body: 'not a Response' }
        case '/used': {
          const res = new Response('read already')
          await res.text()
          return res
        }
        case '/stream-fails': {
          let n = 0
          return new Response(
            new ReadableStream({
              pull(controller) {
                if (n++ < 2) controller.enqueue(new TextEncoder().encode(`part ${n}\n`))
                else controller.error(new Error('stream broke'))
              },
            }),
          )
        }
        case '/bad-chunk':
          return new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(42)
                controller.close()
              },
            }),
          )
        default:
          return new Response('healthy')
      }
    },
  })
  return { port, errors }
}

async function askThenHealthy(t, port, path) {
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', path) + requestHead('GET', '/ok'))
  return client.readResponses(2)
}

for (const [path, message] of [
  ['/throw', 'thrown synchronously'],
  ['/reject', 'rejected later'],
  ['/undefined', 'ERR_MGNODE_INVALID_RESPONSE'],
  ['/object', 'ERR_MGNODE_INVALID_RESPONSE'],
  ['/used', 'ERR_MGNODE_BODY_USED'],
]) {
  serial(`${path}: 500, the stack on stderr, then a healthy response on the same connection`, async (t) => {
    const { port, errors } = await failingServer(t)
    const [failed, healthy] = await askThenHealthy(t, port, path)
    t.is(failed.status, 500)
    t.is(failed.body.toString(), 'Internal Server Error')
    t.is(healthy.status, 200)
    t.is(healthy.body.toString(), 'healthy')
    const logged = errors.seen.join('\n')
    t.true(logged.includes(message), logged)
    t.regex(logged, /\n\s+at /, 'a stack trace was printed')
  })
}

for (const [path, message] of [
  ['/stream-fails', 'stream broke'],
  ['/bad-chunk', 'ERR_MGNODE_INVALID_CHUNK'],
]) {
  serial(`${path}: a stream failing after the headers aborts the connection; others are served`, async (t) => {
    const { port, errors } = await failingServer(t)
    const client = await RawClient.connect(port)
    t.teardown(() => client.destroy())
    await client.write(requestHead('GET', path))
    const err = await t.throwsAsync(() => client.readResponse())
    t.true(err instanceof IncompleteResponseError, err.message)
    t.true(errors.seen.join('\n').includes(message))
    const other = await RawClient.connect(port)
    t.teardown(() => other.destroy())
    await other.write(requestHead('GET', '/ok'))
    t.is((await other.readResponse()).body.toString(), 'healthy')
  })
}

serial('fetchHandler() rejects what is not a fetch app', (t) => {
  for (const bad of [null, 42, 'app', {}]) {
    const err = t.throws(() => fetchHandler(bad))
    t.is(err.code, 'ERR_INVALID_ARG_TYPE')
  }
})
