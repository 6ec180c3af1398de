'use strict'
// An Express app served by mgnode with `serve()`.
//
//   npm install mgnode express && node express.js
//
// PORT sets the port (default 8000; 0 picks a free one). Ctrl-C or SIGTERM
// stops it: requests in flight are answered first.
const express = require('express')
const { serve } = require('mgnode')

const app = express()
app.use(express.json())
app.get('/', (req, res) => res.send('Hello from Express on mgnode\n'))
app.get('/users/:id', (req, res) => res.json({ id: req.params.id }))
app.post('/echo', (req, res) => res.json({ received: req.body }))

const port = Number(process.env.PORT ?? 8000)
// 127.0.0.1 serves this machine only; use 0.0.0.0 to take connections from others.
serve(app, `http://127.0.0.1:${port}`).then((server) => {
  // localAddr holds the real port, which matters when PORT=0.
  console.log(`listening on http://127.0.0.1:${server.localAddr[1]}`)
})
