'use strict'
// Koa 3 app with @koa/router: GET /user/:id -> { id, name }.
const Koa = require('koa')
const { Router } = require('@koa/router')
const { user } = require('./payloads')

const app = new Koa()
const router = new Router()
router.get('/user/:id', (ctx) => {
  ctx.body = user(ctx.params.id)
})
app.use(router.routes())

module.exports = app
