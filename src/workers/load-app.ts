/**
 * Loads an app from a module specifier: a path (relative to the working
 * directory), a `file:` URL, or a package name. The app is the module's
 * default export, its `app` export, or the module itself.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

import { MgnodeError } from '../errors'

/** True for what can serve requests: a function, or an object with `fetch`, `callback` or `handle`. */
export function isAppLike(value: unknown): boolean {
  if (typeof value === 'function') return true
  if (value === null || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return typeof v.fetch === 'function' || typeof v.callback === 'function' || typeof v.handle === 'function'
}

/** Turns a specifier into a URL `import()` accepts, resolved from `cwd`. */
export function resolveAppUrl(specifier: string, cwd = process.cwd()): string {
  if (specifier.startsWith('file:')) return specifier
  const looksLikePath = specifier.startsWith('.') || isAbsolute(specifier) || existsSync(resolve(cwd, specifier))
  if (looksLikePath) {
    const path = resolve(cwd, specifier)
    if (!existsSync(path)) throw new MgnodeError('ERR_MGNODE_APP_NOT_FOUND', `Cannot find app module "${specifier}" (looked at ${path})`)
    return pathToFileURL(path).href
  }
  try {
    return pathToFileURL(createRequire(join(cwd, 'index.js')).resolve(specifier)).href
  } catch {
    throw new MgnodeError('ERR_MGNODE_APP_NOT_FOUND', `Cannot find app module or package "${specifier}" from ${cwd}`)
  }
}

/** Picks the app out of a loaded module namespace. */
export function pickApp(ns: Record<string, unknown>, specifier: string): unknown {
  const candidates = [ns.default, ns.app]
  // A CommonJS module arrives as `default` = module.exports, which may itself hold `app` or `default`.
  const exported = ns.default as Record<string, unknown> | undefined
  if (exported !== null && typeof exported === 'object') candidates.push(exported.default, exported.app)
  const app = candidates.find(isAppLike)
  if (app === undefined) {
    throw new MgnodeError(
      'ERR_MGNODE_NO_APP',
      `"${specifier}" exports no app: export a request listener, an Express/Koa/Connect app or a fetch app as default or as "app"`,
    )
  }
  return app
}

/** Imports the module and returns its app. */
export async function loadApp(specifier: string, cwd = process.cwd()): Promise<unknown> {
  const ns = (await import(resolveAppUrl(specifier, cwd))) as Record<string, unknown>
  return pickApp(ns, specifier)
}
