// A Hono app (a fetch app: Request in, Response out) served by mgnode.
// An ES module, so top-level await works.
//
//   npm install mgnode hono && node hono.mjs
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// stops it: requests in flight are answered first.
import { Hono } from 'hono'
import { serve } from 'mgnode'

const app = new Hono()
app.get('/', (c) => c.text('Hello from Hono on mgnode\n'))
app.get('/hi/:name', (c) => c.json({ hi: c.req.param('name') }))
app.post('/echo', async (c) => c.json({ received: await c.req.json() }))

const port = Number(process.env.PORT ?? 8000)
const server = await serve(app, `http://127.0.0.1:${port}`)
console.log(`listening on http://127.0.0.1:${server.localAddr[1]}`)
