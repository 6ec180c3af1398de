// The worker-crash check's mgnode server: crash-app.cjs on `Server` with 2
// worker threads, which restarts the ones that die. Prints `ready <port>`,
// and `restart` on stderr for each worker that died.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { Server } from '../../dist/index.js'

const app = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-app.cjs')
const server = new Server(app, { workers: 2, errorHandler: (err) => console.error(`restart: ${err.message}`) })
const { localAddr } = await server.listen('http://127.0.0.1:0')
console.log(`ready ${localAddr[1]}`)
await server.run()
