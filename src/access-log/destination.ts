/**
 * Where access log lines are written: stdout, a file (appended to), or a
 * stream the caller gives. With workers only the main thread writes here.
 */
import { closeSync, openSync, writeSync } from 'node:fs'

/** Where the access log goes: a file path (appended to, created if missing), or anything with `write(text)`. */
export type AccessLogDestination = string | { write(text: string): unknown }

/** An open destination. */
export interface LogOutput {
  write(text: string): void
  close(): void
}

/** Opens `destination` (stdout when undefined); a file is opened at once, so a bad path fails early. */
export function openDestination(destination: AccessLogDestination | undefined): LogOutput {
  if (destination === undefined) {
    return { write: (text) => void process.stdout.write(text), close: () => {} }
  }
  if (typeof destination !== 'string') {
    return { write: (text) => void destination.write(text), close: () => {} }
  }
  let fd: number | null = openSync(destination, 'a')
  return {
    write(text) {
      if (fd === null) return
      // Synchronous: in order, whole, and nothing left buffered if the process dies.
      const bytes = Buffer.from(text)
      let done = 0
      while (done < bytes.length) done += writeSync(fd, bytes, done)
    },
    close() {
      if (fd !== null) closeSync(fd)
      fd = null
    },
  }
}
