/**
 * The `mgnode` command: serve an app module from one or more threads.
 *
 * ```sh
 * npx mgnode app.js -l 8080 -w 4 --access-log combined
 * ```
 *
 * Flags are read in `cli/options.ts`; every one is described in `--help`
 * and in docs/cli.md.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { createLogger } from './cli/logger'
import type { Logger } from './cli/logger'
import { parse, USAGE } from './cli/options'
import type { CliOptions } from './cli/options'
import { UsageError } from './cli/usage-error'
import { Server } from './serve'

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}

function describe(o: CliOptions): string {
  const parts = [
    `module ${o.specifier}${o.factory ? ' (factory)' : ''}`,
    `${o.workers} worker${o.workers === 1 ? '' : 's'}`,
    o.accessLog ? `access log ${o.accessLog.format} to ${o.accessLog.file ?? 'stdout'}` : 'no access log',
  ]
  if (o.keepAliveTimeout !== undefined) parts.push(`keep-alive ${o.keepAliveTimeout} ms`)
  if (o.shutdownTimeout !== undefined) parts.push(`shutdown timeout ${o.shutdownTimeout} ms`)
  return parts.join(', ')
}

async function serve(o: CliOptions, log: Logger): Promise<number> {
  log.debug(describe(o))
  const server = new Server(o.specifier, {
    workers: o.workers,
    factory: o.factory,
    maxBodySize: o.maxBodySize,
    keepAliveTimeout: o.keepAliveTimeout,
    stallTimeout: o.stallTimeout,
    shutdownTimeout: o.shutdownTimeout,
    tls: o.tls,
    accessLog: o.accessLog ? { format: o.accessLog.format, destination: o.accessLog.file } : undefined,
    errorHandler: (err: Error) => {
      // run() rejects with this one; it is printed once, below.
      if ((err as Error & { code?: string }).code !== 'ERR_MGNODE_WORKERS_GAVE_UP') log.error(err.message)
    },
    warningHandler: (warning) => log.warn(warning.message),
  })
  try {
    for (const url of o.urls) {
      const listener = await server.listen(url)
      const [host, port] = listener.localAddr
      const shown = host.includes(':') ? `[${host}]` : host
      log.info(`listening on ${url.split(':')[0]}://${shown}:${port} (${o.workers} worker${o.workers === 1 ? '' : 's'})`)
    }
  } catch (err) {
    log.error((err as Error).message)
    await server.close()
    return 1
  }
  try {
    await server.run()
  } catch (err) {
    // A supervisor restarting on failure must see one.
    log.error((err as Error).message)
    log.error('stopped after an error')
    return 1
  }
  log.info('stopped')
  return 0
}

/** Runs the command; resolves to the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let command
  try {
    command = parse(argv, env)
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`mgnode: ${err.message}\n\n${USAGE}`)
      return 2
    }
    console.error(`mgnode: ${(err as Error).message}`)
    return 1
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  if (command.kind === 'version') {
    process.stdout.write(version() + '\n')
    return 0
  }
  return serve(command.options, createLogger(command.options.logLevel))
}
