'use strict'
// Scenario 10, peer: what a user does today for two cores: node:cluster with two
// processes (or BENCH_WORKERS from --workers), each running the Express app on
// node:http.
const cluster = require('node:cluster')
const http = require('node:http')
const { HOST, main, port, announce, onStop, tryRequire, workers } = require('./_common')

const WORKERS = workers()

if (cluster.isPrimary) {
  main(() => {
    let listening = 0
    let announced = false
    for (let i = 0; i < WORKERS; i++) {
      const worker = cluster.fork()
      worker.on('error', () => {}) // a worker already stopped by the same signal
      worker.on('message', (msg) => {
        if (msg && msg.port && ++listening === WORKERS && !announced) {
          announced = true
          announce(msg.port)
        }
      })
    }
    cluster.on('exit', (worker, code) => {
      if (!announced) {
        console.error(`cluster worker exited with ${code} before listening`)
        process.exit(1)
      }
    })
    onStop(() => {
      for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM')
    })
  })
} else {
  const app = tryRequire('./apps/express-app', 'express')
  const server = http.createServer(app)
  // Port 0 in cluster workers: every worker shares the port the primary picked.
  server.listen(port(), HOST, () => process.send({ port: server.address().port }))
  process.on('SIGTERM', () => process.exit(0))
}
