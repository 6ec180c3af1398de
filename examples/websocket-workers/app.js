'use strict'
// An app module with WebSockets for `Server` (and the `mgnode` command):
// the app, and an `upgrade(req, socket, head)` export that takes the
// upgrade requests, as an http.Server's 'upgrade' listener would. With
// workers, each worker runs its own copy and takes the upgrades of the
// connections it serves.
const { threadId } = require('node:worker_threads')
const express = require('express')
const { WebSocketServer } = require('ws')

const app = express()
app.get('/', (req, res) => res.json({ threadId }))

const wss = new WebSocketServer({ noServer: true })
wss.on('connection', (ws) => {
  ws.on('message', (data) => ws.send(JSON.stringify({ threadId, echo: String(data) })))
})

function upgrade(req, socket, head) {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
}

module.exports = { app, upgrade }
