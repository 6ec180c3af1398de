'use strict'
// Serves ./app.js, WebSockets included, from two worker threads.
//
//   npm install mgnode express ws && node server.js
//
// The command line does the same: npx mgnode app.js -w 2
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// stops it once requests in flight are answered; WebSockets still open when
// shutdownTimeout runs out are closed.
const path = require('node:path')
const { Server } = require('mgnode')

async function main() {
  const port = Number(process.env.PORT ?? 8000)
  const server = new Server(path.join(__dirname, 'app.js'), { workers: 2, shutdownTimeout: 2000 })
  const { localAddr } = await server.listen(`http://127.0.0.1:${port}`)
  console.log(`listening on http://127.0.0.1:${localAddr[1]}`)
  await server.run()
  console.log('stopped')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
