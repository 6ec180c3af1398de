'use strict'
// HTTPS on mgnode: `createServer` with a certificate and key, as
// `https.createServer`.
//
//   npm install mgnode && node server.js
//
// It reads cert.pem and key.pem from this folder, or the files named by
// TLS_CERT and TLS_KEY. For a self-signed pair to try it with:
//
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
//     -keyout key.pem -out cert.pem -days 30 -subj /CN=localhost \
//     -addext subjectAltName=DNS:localhost,IP:127.0.0.1
//   curl --cacert cert.pem https://127.0.0.1:8443/
//
// PORT sets the port (default 8443; 0 picks a free one). Ctrl-C or SIGTERM
// closes the server.
const fs = require('node:fs')
const path = require('node:path')
const { createServer } = require('mgnode')

const cert = fs.readFileSync(process.env.TLS_CERT ?? path.join(__dirname, 'cert.pem'))
const key = fs.readFileSync(process.env.TLS_KEY ?? path.join(__dirname, 'key.pem'))

const server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ encrypted: req.socket.encrypted === true, protocol: req.socket.getProtocol() }))
})

const port = Number(process.env.PORT ?? 8443)
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on https://127.0.0.1:${server.address().port}`)
})

function stop() {
  server.close(() => console.log('stopped'))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
