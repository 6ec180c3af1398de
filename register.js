'use strict'
// `node -r mgnode/register app.js`: serve every http.createServer() on mgnode.
require('./dist/register.js')
