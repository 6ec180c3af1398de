/**
 * mgnode's typed API. The declarations are generated from `src/` into
 * `dist/` by the build; this file is the package's entry for editors.
 *
 * ```ts
 * import { serve, createServer, Manager } from 'mgnode'
 * ```
 */
export * from './dist/index'
