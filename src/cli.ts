/**
 * The `mgnode` command: serve an app module from one or more threads.
 *
 * ```sh
 * npx mgnode app.js -l http://0.0.0.0:8080 -w 4
 * ```
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

import { Server } from './serve'

const USAGE = `Usage: mgnode [options] <module>

Serves the app exported by <module> (default export or "app"): a request
listener, an Express/Koa/Connect app, or a fetch app (Hono, { fetch }).

Options:
  -l, --listen URL          listen on URL (repeatable; default http://127.0.0.1:8000)
  -w, --workers N           worker threads (default: available parallelism)
      --tls-cert FILE       certificate (PEM) for https:// URLs
      --tls-key FILE        private key (PEM: EC P-256, or RSA 2048-4096) for https:// URLs
      --max-body-size BYTES largest accepted request body (default 16 MiB)
      --stream-timeout SEC  abort responses whose client stopped reading (default 5)
  -h, --help                show this help
  -v, --version             show the version
`

class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${value}"`)
  return n
}

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${value}"`)
  return n
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}

/** Runs the command; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        listen: { type: 'string', short: 'l', multiple: true },
        workers: { type: 'string', short: 'w' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'max-body-size': { type: 'string' },
        'stream-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (err) {
    console.error(`mgnode: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (values.version) {
    process.stdout.write(version() + '\n')
    return 0
  }
  let options
  try {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing <module>' : 'only one <module> may be given')
    const urls = values.listen ?? ['http://127.0.0.1:8000']
    const wantsTls = urls.some((u) => u.startsWith('https:'))
    if (wantsTls && (!values['tls-cert'] || !values['tls-key'])) throw new UsageError('https:// URLs need --tls-cert and --tls-key')
    options = {
      urls,
      workers: positiveInt('workers', values.workers, availableParallelism()),
      maxBodySize: positiveNumber('max-body-size', values['max-body-size']),
      streamTimeout: positiveNumber('stream-timeout', values['stream-timeout']),
      tls: values['tls-cert'] && values['tls-key'] ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) } : undefined,
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`mgnode: ${err.message}\n\n${USAGE}`)
      return 2
    }
    console.error(`mgnode: ${(err as Error).message}`)
    return 1
  }

  const server = new Server(positionals[0], {
    workers: options.workers,
    maxBodySize: options.maxBodySize,
    streamTimeout: options.streamTimeout,
    tls: options.tls,
    errorHandler: (err: Error) => {
      // run() rejects with this one; it is printed once, below.
      if ((err as Error & { code?: string }).code !== 'ERR_MGNODE_WORKERS_GAVE_UP') console.error(`mgnode: ${err.message}`)
    },
  })
  try {
    for (const url of options.urls) {
      const listener = await server.listen(url)
      const [host, port] = listener.localAddr
      const shown = host.includes(':') ? `[${host}]` : host
      console.log(`mgnode: listening on ${url.split(':')[0]}://${shown}:${port} (${options.workers} worker${options.workers === 1 ? '' : 's'})`)
    }
  } catch (err) {
    console.error(`mgnode: ${(err as Error).message}`)
    await server.close()
    return 1
  }
  try {
    await server.run()
  } catch (err) {
    // A supervisor restarting on failure must see one.
    console.error(`mgnode: ${(err as Error).message}`)
    console.error('mgnode: stopped after an error')
    return 1
  }
  console.log('mgnode: stopped')
  return 0
}
