'use strict'
// Serves ./app.js from several worker threads of one process: one
// listener, and each connection goes to the worker with the fewest requests
// in flight. A worker that crashes is restarted.
//
//   npm install mgnode express && node server.js
//
// The command line does the same: npx mgnode app.js -w 2
//
// PORT sets the port (default 8000; 0 picks a free one), WORKERS the
// number of threads (default 2). Ctrl-C or SIGTERM stops it: requests in
// flight are answered first.
const path = require('node:path')
const { Server } = require('mgnode')

async function main() {
  const port = Number(process.env.PORT ?? 8000)
  const server = new Server(path.join(__dirname, 'app.js'), {
    workers: Number(process.env.WORKERS ?? 2),
    // Hears worker crashes and restarts (not errors of requests, which answer 500).
    errorHandler: (err) => console.error(err.message),
  })
  const { localAddr } = await server.listen(`http://127.0.0.1:${port}`)
  console.log(`listening on http://127.0.0.1:${localAddr[1]} (workers: ${server.workerThreadIds.join(', ')})`)
  await server.run()
  console.log('stopped')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
