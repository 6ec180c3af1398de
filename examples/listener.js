'use strict'
// A plain `(req, res)` request listener on mgnode's `createServer`, used
// exactly as `http.createServer`. No framework needed.
//
//   npm install mgnode && node listener.js
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// closes the server as node:http's `server.close()` does.
const { createServer } = require('mgnode')

const server = createServer((req, res) => {
  let size = 0
  req.on('data', (chunk) => (size += chunk.length))
  req.on('end', () => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ method: req.method, url: req.url, bodyBytes: size }))
  })
})

const port = Number(process.env.PORT ?? 8000)
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})

function stop() {
  // Stops accepting and closes idle connections; 'close' follows once the
  // busy ones have finished.
  server.close(() => console.log('stopped'))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
