/**
 * The command line of `mgnode`: the flags `util.parseArgs` reads, the help
 * text, and the checked settings they make together with the environment.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'

import { ACCESS_LOG_FORMATS } from '../access-log'
import type { AccessLogFormat } from '../access-log'
import type { TlsOptions } from '../types'
import { parseDuration } from './duration'
import { defaultListenUrl, listenUrl } from './listen-address'
import { LOG_LEVELS } from './logger'
import type { LogLevel } from './logger'
import { UsageError } from './usage-error'

export const USAGE = `Usage: mgnode [options] <module>[:name]

Serves the app that <module> exports: its default export or "app", or the
export named after a colon (app.js:server). <module> is a path, with or
without its extension (./app finds app.js, app.mjs, app.cjs or app/index.js),
or a package name. The app is a request listener, an Express/Koa/Connect app
or a fetch app (Hono, { fetch }).

Options:
  -l, --listen ADDR           where to listen (repeatable): PORT, HOST:PORT,
                              [IPv6]:PORT, or a URL http://HOST:PORT or
                              https://HOST:PORT. A bare PORT listens on $HOST
                              (default 127.0.0.1). Default http://$HOST:$PORT,
                              PORT defaulting to 8000. --listen wins over the
                              environment.
  -w, --workers N             worker threads (default $WEB_CONCURRENCY, else
                              the available parallelism)
      --factory               the export is a function that builds the app:
                              call it (and await it) in each worker
      --tls-cert FILE         certificate chain (PEM) for https:// addresses
      --tls-key FILE          its private key (PEM: RSA 2048-8192, ECDSA
                              P-256/P-384 or Ed25519; PKCS#8, PKCS#1 or SEC1)
      --tls-passphrase PASS   decrypts an encrypted key (default
                              $MGNODE_TLS_PASSPHRASE)
      --tls-sni NAME=CERT,KEY serve another certificate to clients asking
                              for NAME (*.example.com for one label);
                              repeatable
      --tls-min-version V     TLSv1.2 (default) or TLSv1.3
      --tls-max-version V     TLSv1.3 (default) or TLSv1.2
      --tls-ca FILE           trusted issuers of client certificates (PEM)
      --tls-request-cert      ask clients for a certificate; refuse those
                              --tls-ca does not trust
      --tls-allow-untrusted   with --tls-request-cert: serve them anyway
                              (the app reads req.socket.authorized)
      --max-body-size BYTES   largest accepted request body (default 16 MiB)
      --keep-alive-timeout T  how long an idle keep-alive connection stays
                              open, ms (default 5000; 0: until the client
                              closes it)
      --stall-timeout T       abort a response whose client stopped reading
                              for T, ms (default 5000; 0: never)
      --stream-timeout T      deprecated: --stall-timeout in seconds
      --shutdown-timeout T    on SIGINT/SIGTERM, seconds in-flight requests
                              get to finish before their connections are cut
                              (default 10)
      --access-log FORMAT     log each request: common, combined (Apache/NCSA)
                              or json (JSON lines); default off
      --access-log-file FILE  append the access log to FILE instead of stdout
                              (alone, turns the log on in combined format)
      --log-level LEVEL       mgnode's own messages: error, warn, info or
                              debug (default info)
  -h, --help                  show this help
  -v, --version               show the version

Times (T) also take a unit: 500ms, 10s.

Environment:
  PORT, HOST        the default address (see --listen); flags win
  WEB_CONCURRENCY   the default number of workers; --workers wins

A module that calls listen() itself while it loads opens its own node:http
port beside mgnode's (in each worker); mgnode warns when it sees that.
`

/** Everything the command needs, checked. */
export interface CliOptions {
  specifier: string
  urls: string[]
  workers: number
  factory: boolean
  tls: TlsOptions | undefined
  maxBodySize: number | undefined
  /** ms. */
  keepAliveTimeout: number | undefined
  /** ms, as `ServerOptions.stallTimeout` takes it. */
  stallTimeout: number | undefined
  /** ms. */
  shutdownTimeout: number | undefined
  accessLog: { format: AccessLogFormat; file: string | undefined } | null
  logLevel: LogLevel
}

/** What `parse` found: a request for help or the version, or settings. */
export type Command = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; options: CliOptions }

const FLAGS = {
  listen: { type: 'string', short: 'l', multiple: true },
  workers: { type: 'string', short: 'w' },
  factory: { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-passphrase': { type: 'string' },
  'tls-sni': { type: 'string', multiple: true },
  'tls-min-version': { type: 'string' },
  'tls-max-version': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-request-cert': { type: 'boolean' },
  'tls-allow-untrusted': { type: 'boolean' },
  'max-body-size': { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
  'stall-timeout': { type: 'string' },
  'stream-timeout': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'access-log': { type: 'string' },
  'access-log-file': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const

function positiveInt(what: string, value: string): number {
  const n = Number(value)
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got "${value}"`)
  return n
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"`)
  return value as T
}

function optional<T>(value: string | undefined, read: (v: string) => T): T | undefined {
  return value === undefined ? undefined : read(value)
}

const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const

/** The TLS options the --tls-* flags give (reading the files they name). */
function tlsOptions(values: Record<string, unknown>, cert: string, key: string, env: NodeJS.ProcessEnv): TlsOptions {
  const flag = (name: string) => values[name] as string | undefined
  const contexts: Record<string, { cert: Buffer; key: Buffer }> = {}
  for (const spec of (values['tls-sni'] as string[] | undefined) ?? []) {
    const m = /^([^=]+)=([^,]+),(.+)$/.exec(spec)
    if (!m) throw new UsageError(`--tls-sni takes NAME=CERT,KEY, got "${spec}"`)
    contexts[m[1]] = { cert: readFileSync(m[2]), key: readFileSync(m[3]) }
  }
  const ca = flag('tls-ca')
  const requestCert = values['tls-request-cert'] === true
  if (values['tls-allow-untrusted'] === true && !requestCert) throw new UsageError('--tls-allow-untrusted goes with --tls-request-cert')
  return {
    cert: readFileSync(cert),
    key: readFileSync(key),
    passphrase: flag('tls-passphrase') ?? env.MGNODE_TLS_PASSPHRASE,
    minVersion: optional(flag('tls-min-version'), (v) => oneOf('tls-min-version', v, TLS_VERSIONS)),
    maxVersion: optional(flag('tls-max-version'), (v) => oneOf('tls-max-version', v, TLS_VERSIONS)),
    ca: ca === undefined ? undefined : readFileSync(ca),
    requestCert,
    rejectUnauthorized: values['tls-allow-untrusted'] !== true,
    contexts,
  }
}

function workers(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  if (flag !== undefined) return positiveInt('--workers', flag)
  const fromEnv = env.WEB_CONCURRENCY?.trim()
  if (fromEnv) return positiveInt('WEB_CONCURRENCY', fromEnv)
  return availableParallelism()
}

/** Reads `argv` and `env`; throws `UsageError` for what the user must fix, other errors (an unreadable TLS file) as they are. */
export function parse(argv: string[], env: NodeJS.ProcessEnv): Command {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: FLAGS })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) return { kind: 'help' }
  if (values.version) return { kind: 'version' }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing <module>' : 'only one <module> may be given')

  const urls = values.listen ? values.listen.map((v) => listenUrl(v, env)) : [defaultListenUrl(env)]
  const cert = values['tls-cert']
  const key = values['tls-key']
  if (urls.some((u) => /^https:/i.test(u)) && (!cert || !key)) throw new UsageError('https:// addresses need --tls-cert and --tls-key')
  if (Boolean(cert) !== Boolean(key)) throw new UsageError('--tls-cert and --tls-key go together')

  const format = optional(values['access-log'], (v) => oneOf('access-log', v, ACCESS_LOG_FORMATS))
  const file = values['access-log-file']
  const accessLog = format === undefined && file === undefined ? null : { format: format ?? 'combined', file: file === '-' ? undefined : file }

  return {
    kind: 'serve',
    options: {
      specifier: positionals[0],
      urls,
      workers: workers(values.workers, env),
      factory: values.factory ?? false,
      maxBodySize: optional(values['max-body-size'], (v) => positiveInt('--max-body-size', v)),
      keepAliveTimeout: optional(values['keep-alive-timeout'], (v) => parseDuration('keep-alive-timeout', v, 'ms')),
      stallTimeout:
        optional(values['stall-timeout'], (v) => parseDuration('stall-timeout', v, 'ms')) ??
        optional(values['stream-timeout'], (v) => parseDuration('stream-timeout', v, 's')),
      shutdownTimeout: optional(values['shutdown-timeout'], (v) => parseDuration('shutdown-timeout', v, 's')),
      accessLog,
      logLevel: oneOf('log-level', values['log-level'] ?? 'info', LOG_LEVELS),
      tls: cert && key ? tlsOptions(values, cert, key, env) : undefined,
    },
  }
}
