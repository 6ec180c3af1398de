// Responses with `fastResponse: false`: the global Response stays Node's own,
// and the adapter still sends every kind of body correctly.
import test from 'ava'
import { responseTests } from './helpers/fetch-responses.mjs'
import { NodeResponse, serveFetch } from './helpers/fetch.mjs'

responseTests(test, { fastResponse: false })

test('the global Response is left alone', async (t) => {
  await serveFetch(t, { fetch: () => new Response('x') }, { fetchOptions: { fastResponse: false } })
  t.is(globalThis.Response, NodeResponse)
})
