'use strict'
// The Express scenario's route, installed on Express 5 and on ultimate-express alike.
const { user } = require('./payloads')

module.exports = function install(app) {
  app.get('/user/:id', (req, res) => {
    res.json(user(req.params.id))
  })
  return app
}
