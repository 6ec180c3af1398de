// The worker-crash check's node:http server: crash-app.cjs on node:cluster
// with 2 worker processes, forked again as soon as one dies (the usual
// supervision). Prints `ready <port>` once both listen, and `restart` on
// stderr for each worker that died.
import cluster from 'node:cluster'
import http from 'node:http'
import { createRequire } from 'node:module'
import net from 'node:net'

const WORKERS = 2

/** A free port: workers listen on a fixed one, or workers forked after all died would get a new one. */
function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

if (cluster.isPrimary) {
  const env = { STRESS_PORT: String(await freePort()) }
  let listening = 0
  cluster.on('listening', (worker, address) => {
    if (++listening === WORKERS) console.log(`ready ${address.port}`)
  })
  cluster.on('exit', (worker, code) => {
    console.error(`restart: worker exited with code ${code}`)
    cluster.fork(env)
  })
  for (let i = 0; i < WORKERS; i++) cluster.fork(env)
  process.on('SIGTERM', () => {
    cluster.removeAllListeners('exit')
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGKILL')
    process.exit(0)
  })
} else {
  const app = createRequire(import.meta.url)('./crash-app.cjs')
  http.createServer(app).listen(Number(process.env.STRESS_PORT), '127.0.0.1')
}
