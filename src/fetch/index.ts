/**
 * Fetch apps on the engine: Hono apps, `{ fetch }` objects and marked
 * functions receive WHATWG `Request`s and answer with `Response`s.
 */
export { fetchHandler } from './handler'
export { isFetchApp, markFetch } from './detect'
export type { FetchApp, FetchFunction, FetchHandlerOptions, FetchObject } from './types'
