/**
 * The contexts a listener chooses from by server name (SNI): those given
 * as options, those `addContext` adds, and what `SNICallback` answers.
 *
 * `SNICallback` usually answers with a context from node's
 * `tls.createSecureContext`, which keeps its key inside OpenSSL where
 * mgnode cannot read it. So mgnode wraps `tls.createSecureContext` when it
 * is loaded, to remember the options each context was made from (nothing
 * else changes); contexts made before that are refused with a clear error.
 */
import { syncBuiltinESMExports } from 'node:module'
import tls from 'node:tls'

import { MgnodeError } from '../errors'
import type { SniContext, TlsContextOptions } from '../types'
import { compileContext } from './compile'
import type { NativeTlsContext, ServerTlsSettings } from './compile'

const madeFrom = new WeakMap<object, TlsContextOptions>()

const original = tls.createSecureContext
if (!(original as { mgnodeRecords?: boolean }).mgnodeRecords) {
  const recording = function createSecureContext(this: unknown, options?: tls.SecureContextOptions): tls.SecureContext {
    const context = original.call(this, options)
    if (options !== undefined && options !== null) madeFrom.set(context, options as TlsContextOptions)
    return context
  }
  Object.defineProperty(recording, 'mgnodeRecords', { value: true })
  tls.createSecureContext = recording
  // ESM's `import { createSecureContext } from 'node:tls'` sees it too.
  syncBuiltinESMExports()
}

function isNodeContext(value: object): boolean {
  return 'context' in value && !('cert' in value) && !('key' in value)
}

/** Compiles the contexts of one listener, each once. */
export class SniContexts {
  #server: ServerTlsSettings
  #compiled = new WeakMap<object, NativeTlsContext>()

  constructor(server: ServerTlsSettings) {
    this.#server = server
  }

  /** The engine's context for what `SNICallback` or `addContext` gave; null for the default. */
  resolve(value: SniContext): NativeTlsContext | null {
    if (value === null || value === undefined) return null
    if (typeof value !== 'object') throw new MgnodeError('ERR_MGNODE_TLS', 'a TLS context must be an object')
    const known = this.#compiled.get(value)
    if (known !== undefined) return known
    const options = madeFrom.get(value) ?? (isNodeContext(value) ? undefined : (value as TlsContextOptions))
    if (options === undefined) {
      throw new MgnodeError(
        'ERR_MGNODE_TLS',
        'this SecureContext was made before mgnode was loaded, so its key cannot be read: load mgnode first, or give the options ({ cert, key }) instead',
      )
    }
    const compiled = compileContext(options, this.#server)
    this.#compiled.set(value, compiled)
    return compiled
  }
}
