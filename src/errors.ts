/** Errors thrown by mgnode carry a stable `code`, like Node's own. */
export class MgnodeError extends Error {
  readonly code: string

  constructor(code: string, message: string) {
    super(message)
    this.name = 'MgnodeError'
    this.code = code
  }
}

/**
 * A warning mgnode reports about an app (through a `warningHandler`, or else
 * `process.emitWarning`), with a stable `code` such as `MGNODE_APP_LISTENS`.
 */
export class MgnodeWarning extends MgnodeError {
  constructor(code: string, message: string) {
    super(code, message)
    this.name = 'MgnodeWarning'
  }
}

/**
 * Turns the engine's listen failure (worded like Node's, `listen EADDRINUSE: ...`)
 * into an error with `code`, `syscall`, `address` and `port`, as `net` reports it.
 */
export function listenError(err: unknown, host: string, port: number): Error {
  const message = err instanceof Error ? err.message : String(err)
  const out = new Error(message) as NodeJS.ErrnoException & { address?: string; port?: number }
  const match = /^listen (E[A-Z]+):/.exec(message)
  out.code = match ? match[1] : 'ERR_MGNODE_LISTEN'
  out.syscall = 'listen'
  out.address = host
  out.port = port
  return out
}
