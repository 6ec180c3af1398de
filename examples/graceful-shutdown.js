'use strict'
// Graceful shutdown: on SIGINT or SIGTERM (what Docker, Kubernetes and
// systemd send), stop taking connections, let the requests in flight finish,
// then release what the app holds, and exit.
//
//   npm install mgnode express && node graceful-shutdown.js
//   curl http://127.0.0.1:8000/slow & sleep 0.5; kill -TERM <pid>
//   # the slow request is still answered, with `Connection: close`
//
// `server.run()` does the first two steps for you (see koa.js); this example
// does them by hand to show where your own clean-up goes. With a server from
// `createServer`, the node:http way works the same: `server.close(cb)`, and
// `server.closeAllConnections()` after a deadline.
//
// PORT sets the port (default 8000; 0 picks a free one).
const express = require('express')
const { Server } = require('mgnode')

const app = express()
let inFlight = 0
app.use((req, res, next) => {
  inFlight++
  res.on('close', () => inFlight--)
  next()
})
app.get('/', (req, res) => res.send('ok\n'))
app.get('/slow', (req, res) => {
  setTimeout(() => res.send('finished the slow work\n'), Number(process.env.SLOW_MS ?? 2000))
})

// Something the app holds open (a database pool, a queue consumer...).
const heartbeat = setInterval(() => {}, 60_000)

async function main() {
  const port = Number(process.env.PORT ?? 8000)
  // Requests in flight get up to shutdownTimeout ms to finish when closing.
  const server = new Server(app, { shutdownTimeout: 10_000 })
  const { localAddr } = await server.listen(`http://127.0.0.1:${port}`)
  console.log(`listening on http://127.0.0.1:${localAddr[1]} (pid ${process.pid})`)

  let stopping = false
  const stop = async (signal) => {
    if (stopping) {
      console.log(`${signal} again: exiting now`)
      process.exit(1)
    }
    stopping = true
    console.log(`${signal}: finishing ${inFlight} request(s) in flight`)
    // Stops listening; responses written from now on say `Connection: close`.
    await server.close()
    clearInterval(heartbeat) // your clean-up goes here
    console.log('stopped')
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
