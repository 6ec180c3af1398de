'use strict'
// A Koa app served by mgnode's `Server`.
//
//   npm install mgnode koa && node koa.js
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// stops it: requests in flight are answered first.
const Koa = require('koa')
const { Server } = require('mgnode')

const app = new Koa()
app.use(async (ctx) => {
  ctx.body = { hello: 'Koa', method: ctx.method, path: ctx.path }
})

async function main() {
  const port = Number(process.env.PORT ?? 8000)
  const server = new Server(app, { keepAliveTimeout: 5000 })
  const { localAddr } = await server.listen(`http://127.0.0.1:${port}`)
  console.log(`listening on http://127.0.0.1:${localAddr[1]}`)
  await server.run() // serves until SIGINT or SIGTERM, then drains
  console.log('stopped')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
