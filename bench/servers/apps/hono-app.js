'use strict'
// Hono 4 app: GET /user/:id -> { id, name }.
const { Hono } = require('hono')
const { user } = require('./payloads')

const app = new Hono()
app.get('/user/:id', (c) => c.json(user(c.req.param('id'))))

module.exports = app
