// A WebSocket client for the tests: open one (closed on teardown), ask and await the reply.
import { once } from 'node:events'
import WebSocket from 'ws'

import { within } from './server.mjs'

/** Opens a WebSocket to `url`; it is terminated on teardown. */
export async function openWebSocket(t, url) {
  const ws = new WebSocket(url)
  t.teardown(() => ws.terminate())
  await within(once(ws, 'open'), 5000, `${url} did not open`)
  return ws
}

/** Sends `text` and resolves with the next message, as a string. */
export async function ask(ws, text) {
  const reply = once(ws, 'message')
  ws.send(text)
  const [data] = await within(reply, 5000, 'no WebSocket reply')
  return String(data)
}
