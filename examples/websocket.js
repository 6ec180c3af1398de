'use strict'
// WebSockets with the `ws` package on mgnode's `createServer`, exactly as on
// `http.createServer`: an echo server.
//
//   npm install mgnode ws && node websocket.js
//
// Then, from another terminal:
//   node -e "const ws = new (require('ws'))('ws://127.0.0.1:8000'); ws.on('open', () => ws.send('hi')); ws.on('message', (m) => { console.log(String(m)); ws.close() })"
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// closes the WebSockets (code 1001) and then the server.
const { WebSocketServer } = require('ws')
const { createServer } = require('mgnode')

const server = createServer((req, res) => {
  res.setHeader('content-type', 'text/plain')
  res.end('A WebSocket echo server: connect with ws://\n')
})

const wss = new WebSocketServer({ server })
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
})

const port = Number(process.env.PORT ?? 8000)
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})

function stop() {
  // Open WebSockets keep the server from closing: say goodbye first.
  for (const ws of wss.clients) ws.close(1001, 'server shutting down')
  wss.close()
  server.close(() => console.log('stopped'))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
