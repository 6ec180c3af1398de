/**
 * The preload: `node -r mgnode/register app.js` or `node --import mgnode/register app.mjs`.
 * After it, `http.createServer` (and so `app.listen()`, supertest and the like)
 * builds mgnode servers, with no change to the app.
 */
import http from 'node:http'
import https from 'node:https'
import { syncBuiltinESMExports } from 'node:module'

import { createServer } from './http/server'

type Patchable = { createServer: unknown }

;(http as unknown as Patchable).createServer = createServer
;(https as unknown as Patchable).createServer = createServer
// ESM named imports (`import { createServer } from 'node:http'`) read a
// separate binding; this makes them see the replacement too.
syncBuiltinESMExports()
