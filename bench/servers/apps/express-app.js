'use strict'
// Express 5 app: GET /user/:id -> { id, name }. Exported as the module itself, so
// it can be loaded by path (mgnode workers) as well as required.
const express = require('express')
const install = require('./express-routes')

module.exports = install(express())
