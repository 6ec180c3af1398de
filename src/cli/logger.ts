/**
 * mgnode's own messages, filtered by `--log-level`: errors and warnings to
 * stderr, the rest to stdout. The app's output and the access log are not
 * filtered.
 */

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Logger {
  error(message: string): void
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
}

/** A logger that prints messages at `level` and above. */
export function createLogger(level: LogLevel): Logger {
  const rank = LOG_LEVELS.indexOf(level)
  const at = (l: LogLevel, print: (m: string) => void, prefix: string) =>
    LOG_LEVELS.indexOf(l) <= rank ? (m: string) => print(`mgnode: ${prefix}${m}`) : () => {}
  return {
    error: at('error', (m) => console.error(m), ''),
    warn: at('warn', (m) => console.error(m), 'warning: '),
    info: at('info', (m) => console.log(m), ''),
    debug: at('debug', (m) => console.log(m), 'debug: '),
  }
}
