'use strict'
// Smallest mgnode server, on the low-level Manager API.
// Run with `npm start` (after `npm run build`); PORT overrides the port.
const { Manager } = require('../dist/index.js')

async function main() {
  const port = Number(process.env.PORT || 8000)
  const mgr = new Manager()
  const listener = await mgr.listen(`http://127.0.0.1:${port}`, (req, reply) => {
    reply.send(200, { 'content-type': 'text/plain' }, 'hello world\n')
  })
  // localAddr gives the real port, which matters when PORT=0 picks a free one.
  console.log(`mgnode example listening on http://127.0.0.1:${listener.localAddr[1]}`)

  let closing = false
  const shutdown = async (signal) => {
    if (closing) return
    closing = true
    console.log(`${signal} received, closing`)
    try {
      await mgr.close()
      process.exit(0)
    } catch (err) {
      console.error(err)
      process.exit(1)
    }
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
