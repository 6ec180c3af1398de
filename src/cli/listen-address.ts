/**
 * `--listen` values and the `PORT`/`HOST` environment, turned into the URLs
 * the engine listens on. Besides full URLs: `8080`, `host:8080`, `[::1]:8080`.
 */
import { UsageError } from './usage-error'

const DEFAULT_HOST = '127.0.0.1'
const DEFAULT_PORT = 8000

function port(text: string, what: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${what} must be a port number (0-65535), got "${text}"`)
  return n
}

/** A host as it goes in a URL: IPv6 addresses in brackets. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** The host a bare port listens on: `HOST`, else 127.0.0.1. */
export function defaultHost(env: NodeJS.ProcessEnv): string {
  const host = env.HOST?.trim()
  return host ? host : DEFAULT_HOST
}

/** Where to listen without `--listen`: `http://$HOST:$PORT`, each defaulted. */
export function defaultListenUrl(env: NodeJS.ProcessEnv): string {
  const raw = env.PORT?.trim()
  const p = raw ? port(raw, 'PORT') : DEFAULT_PORT
  return `http://${urlHost(defaultHost(env))}:${p}`
}

/** The URL for one `--listen` value. */
export function listenUrl(value: string, env: NodeJS.ProcessEnv): string {
  if (/^https?:\/\//i.test(value)) {
    try {
      new URL(value)
    } catch {
      throw new UsageError(`--listen: "${value}" is not a valid URL`)
    }
    return value
  }
  if (/^\d+$/.test(value)) return `http://${urlHost(defaultHost(env))}:${port(value, '--listen')}`
  const v6 = /^\[([^\]\s]+)\]:(\d+)$/.exec(value)
  if (v6) return `http://[${v6[1]}]:${port(v6[2], '--listen')}`
  const hostPort = /^([^:[\]/\s]+):(\d+)$/.exec(value)
  if (hostPort) return `http://${hostPort[1]}:${port(hostPort[2], '--listen')}`
  if (/^[0-9A-Fa-f:]+$/.test(value) && value.includes('::')) {
    throw new UsageError(`--listen: put an IPv6 address in brackets, e.g. [::1]:8080, got "${value}"`)
  }
  throw new UsageError(`--listen takes PORT, HOST:PORT, [IPv6]:PORT or an http(s):// URL, got "${value}"`)
}
