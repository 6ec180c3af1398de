// A strict TypeScript consumer of mgnode's public types, compiled by
// __test__/types.test.mjs with `tsc --noEmit --strict`. The line after each
// expect-error directive must fail to compile: the types refuse it.
import * as http from 'node:http'

import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { WebSocketServer } from 'ws'

import { createServer, Manager, markFetch, MgnodeError, serve, Server } from 'mgnode'
import type { App, CreateServerOptions, EngineRequest, Reply } from 'mgnode'

// Apps of every kind are accepted; other values are not.
const apps: App[] = [
  express(),
  new Koa(),
  new Hono(),
  { fetch: (request: Request) => new Response(request.url) },
  markFetch((request: Request) => new Response(request.url)),
  (req: http.IncomingMessage, res: http.ServerResponse) => res.end('hi'),
  './app.js',
]
new Server(apps[0], { workers: 1, stallTimeout: 5000 })
// @ts-expect-error a number is not an app
new Server(42)
// @ts-expect-error nor is a plain object
new Server({ port: 8000 })

// serve() resolves with the server, which knows its address and closes.
async function served(): Promise<number | undefined> {
  const server = await serve(express(), 'http://127.0.0.1:0')
  const port = server.localAddr?.[1]
  await server.close()
  return port
}
void served

// createServer's options are node:http's, with no room for typos.
const options: CreateServerOptions = { keepAliveTimeout: 65_000, headersTimeout: 66_000, maxBodySize: 1 << 20 }
// @ts-expect-error a misspelt option is an error
const typo: CreateServerOptions = { keepAliveTimout: 65_000 }
void typo

// The server stands in wherever an http.Server is expected.
const server = createServer(options, (req, res) => res.end(req.url))
const asNode: http.Server = server
void asNode
Fastify({ serverFactory: (handler) => createServer((req, res) => handler(req, res)) })
new WebSocketServer({ server })

// The low-level API.
const manager = new Manager()
void manager.listen('http://127.0.0.1:0', (req: EngineRequest, reply: Reply) => {
  if (req.streamed) req.bodyStream?.resume()
  reply.send(200, { 'content-type': 'text/plain' }, 'ok')
})
// @ts-expect-error the handler takes a request and a reply
void manager.listen('http://127.0.0.1:0', 'not a function')

const err: MgnodeError = new MgnodeError('ERR_X', 'message')
const code: string = err.code
void code
