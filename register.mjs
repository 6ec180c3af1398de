// `node --import mgnode/register app.mjs`: serve every http.createServer() on mgnode.
import './dist/register.js'
