'use strict'
// `sendFile(res, path)`: the engine reads the file and sends it itself, so
// its bytes never pass through JavaScript. Range requests (206), ETag and
// Last-Modified (304) and HEAD are handled. Here it serves this very file.
//
//   npm install mgnode && node send-file.js
//   curl -i http://127.0.0.1:8000/            # the whole file
//   curl -i -r 0-99 http://127.0.0.1:8000/    # its first 100 bytes (206)
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// closes the server.
const { createServer, sendFile } = require('mgnode')

const server = createServer((req, res) => {
  if (req.url !== '/') {
    res.statusCode = 404
    res.end('Not Found\n')
    return
  }
  // Rejects, before anything is sent, if the file cannot be read.
  sendFile(res, __filename, { contentType: 'text/plain; charset=utf-8', maxAge: 60 }).catch((err) => {
    res.statusCode = 500
    res.end(`${err.message}\n`)
  })
})

const port = Number(process.env.PORT ?? 8000)
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})

function stop() {
  server.close(() => console.log('stopped'))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
