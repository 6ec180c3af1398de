/**
 * Loads an app from a module specifier: a path (relative to the working
 * directory, with or without its extension), a `file:` URL, or a package
 * name, optionally followed by `:name` to pick an export (`app.js:server`).
 * Without a name the app is the module's default export, its `app` export,
 * or the module itself. With `factory` the picked export is called (and
 * awaited) to build the app.
 */
import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

import { MgnodeError, MgnodeWarning } from '../errors'
import type { UpgradeListener } from '../http/app-server'
import { isFetchApp } from '../fetch/detect'
import { watchListen } from './listen-watch'
import type { ListenCall } from './listen-watch'

/** How `loadApp` finds and builds the app. */
export interface LoadAppOptions {
  /** Directory relative paths and package names are resolved from. Default `process.cwd()`. */
  cwd?: string
  /** Call the picked export (it may be async) and serve what it returns. */
  factory?: boolean
  /** Hears warnings about the module, such as a `listen()` call while it loads. */
  onWarning?: (warning: MgnodeWarning) => void
}

/** True for what can serve requests: a function, or an object with `fetch`, `callback` or `handle`. */
export function isAppLike(value: unknown): boolean {
  if (typeof value === 'function') return true
  if (value === null || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return typeof v.fetch === 'function' || typeof v.callback === 'function' || typeof v.handle === 'function'
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function exists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

/** Extensions tried after the path as given, then the index files of a directory, as Node resolves `require('./app')` (plus ES modules). */
const EXTENSIONS = ['.js', '.mjs', '.cjs']

/** The file a path names: itself, with an extension, or a directory's entry (package.json `main`, then `index.*`). */
function resolveFile(path: string): string | null {
  if (isFile(path)) return path
  for (const ext of EXTENSIONS) if (isFile(path + ext)) return path + ext
  if (!exists(path)) return null
  try {
    // A directory: Node's own rules read its package.json `main`, then index.js.
    return createRequire(join(path, 'noop.js')).resolve(path)
  } catch {
    for (const ext of EXTENSIONS) if (isFile(join(path, 'index' + ext))) return join(path, 'index' + ext)
    return null
  }
}

function looksLikePath(specifier: string, cwd: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || exists(resolve(cwd, specifier)) || resolveFile(resolve(cwd, specifier)) !== null
}

/** Turns a specifier (without `:name`) into a URL `import()` accepts, resolved from `cwd`. */
export function resolveAppUrl(specifier: string, cwd = process.cwd()): string {
  if (specifier.startsWith('file:')) return specifier
  if (looksLikePath(specifier, cwd)) {
    const path = resolve(cwd, specifier)
    const file = resolveFile(path)
    if (file === null) {
      throw new MgnodeError(
        'ERR_MGNODE_APP_NOT_FOUND',
        `Cannot find app module "${specifier}" (looked at ${path}, with ${EXTENSIONS.join(', ')} and as a directory)`,
      )
    }
    return pathToFileURL(file).href
  }
  try {
    return pathToFileURL(createRequire(join(cwd, 'index.js')).resolve(specifier)).href
  } catch {
    throw new MgnodeError('ERR_MGNODE_APP_NOT_FOUND', `Cannot find app module or package "${specifier}" from ${cwd}`)
  }
}

/** An export name, or a dotted path into one (`routes.app`). */
const EXPORT_NAME = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/

/**
 * Splits `module:name` into its module and export name. A specifier that names
 * an existing file as a whole, or whose tail is no identifier (`C:\app.js`,
 * `file:///app.js`), has no export name.
 */
export function splitSpecifier(specifier: string, cwd = process.cwd()): { module: string; exportName: string | null } {
  const colon = specifier.lastIndexOf(':')
  if (colon <= 0) return { module: specifier, exportName: null }
  const name = specifier.slice(colon + 1)
  const module = specifier.slice(0, colon)
  if (!EXPORT_NAME.test(name) || module === 'file' || /^[A-Za-z]$/.test(module)) return { module: specifier, exportName: null }
  if (!specifier.startsWith('file:') && isFile(resolve(cwd, specifier))) return { module: specifier, exportName: null }
  return { module, exportName: name }
}

function exportAt(ns: Record<string, unknown>, name: string): unknown {
  const read = (from: unknown): unknown => {
    let value = from
    for (const key of name.split('.')) {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined
      value = (value as Record<string, unknown>)[key]
    }
    return value
  }
  // A CommonJS module's exports arrive as `default`; Node finds only some of its names statically.
  return read(ns) ?? read(ns.default)
}

/** Picks the app (or with `factory`, the function that builds it) out of a loaded module namespace. */
export function pickApp(ns: Record<string, unknown>, specifier: string, exportName: string | null = null, factory = false): unknown {
  const fits = factory ? (v: unknown) => typeof v === 'function' : isAppLike
  if (exportName !== null) {
    const value = exportAt(ns, exportName)
    if (value === undefined) throw new MgnodeError('ERR_MGNODE_NO_APP', `"${specifier}" has no export "${exportName}"`)
    if (!fits(value)) {
      throw new MgnodeError(
        'ERR_MGNODE_NO_APP',
        factory
          ? `export "${exportName}" of "${specifier}" is not a function, so it cannot be called as an app factory`
          : `export "${exportName}" of "${specifier}" is not an app: expected a request listener, an Express/Koa/Connect app or a fetch app`,
      )
    }
    return value
  }
  const candidates = [ns.default, ns.app]
  // A CommonJS module arrives as `default` = module.exports, which may itself hold `app` or `default`.
  const exported = ns.default as Record<string, unknown> | undefined
  if (exported !== null && typeof exported === 'object') candidates.push(exported.default, exported.app)
  const app = candidates.find(fits)
  if (app === undefined) {
    throw new MgnodeError(
      'ERR_MGNODE_NO_APP',
      factory
        ? `"${specifier}" exports no app factory: export a function that builds the app as default or as "app", or name it (module:name)`
        : `"${specifier}" exports no app: export a request listener, an Express/Koa/Connect app or a fetch app as default or as "app"`,
    )
  }
  return app
}

function listenWarning(specifier: string, call: ListenCall): MgnodeWarning {
  return new MgnodeWarning(
    'MGNODE_APP_LISTENS',
    `"${specifier}" called listen() while loading: it opens its own ${call.kind} server on ${call.address}, ` +
      "beside mgnode's listeners and not served by mgnode (with several workers, each worker's copy tries again). " +
      'Export the app without calling listen(), or call it only when the module is run directly (require.main === module).',
  )
}

function factoryWarning(specifier: string, fn: { name: string }): MgnodeWarning {
  const name = fn.name ? ` ${fn.name}()` : ''
  return new MgnodeWarning(
    'MGNODE_APP_FACTORY_LIKE',
    `the app of "${specifier}" is a function${name} that declares no parameters, so it is served as a request listener ` +
      '(req, res); if it builds the app instead, use the factory option (mgnode --factory)',
  )
}

/** Imports the module and returns its app, built by its factory when asked. */
export async function loadApp(specifier: string, options: LoadAppOptions = {}): Promise<unknown> {
  return (await loadAppModule(specifier, options)).app
}

/** An app module's app, and its `upgrade(req, socket, head)` export if it has one. */
export interface LoadedApp {
  app: unknown
  upgrade: UpgradeListener | null
}

/**
 * The module's `upgrade` export (or its default export's `upgrade`): the
 * function that takes upgrade requests (WebSockets) for the app, as an
 * http.Server's 'upgrade' listener would.
 */
export function pickUpgrade(ns: Record<string, unknown>): UpgradeListener | null {
  const exported = ns.default as Record<string, unknown> | null | undefined
  const fromDefault = exported !== null && typeof exported === 'object' ? exported.upgrade : undefined
  const found = typeof ns.upgrade === 'function' ? ns.upgrade : fromDefault
  return typeof found === 'function' ? (found as UpgradeListener) : null
}

/** Like `loadApp`, with the module's `upgrade` export. */
export async function loadAppModule(specifier: string, options: LoadAppOptions = {}): Promise<LoadedApp> {
  const cwd = options.cwd ?? process.cwd()
  const { module, exportName } = splitSpecifier(specifier, cwd)
  const url = resolveAppUrl(module, cwd)
  const { onWarning } = options
  let upgrade: UpgradeListener | null = null
  const load = async (): Promise<unknown> => {
    const ns = (await import(url)) as Record<string, unknown>
    upgrade = pickUpgrade(ns)
    const picked = pickApp(ns, specifier, exportName, options.factory)
    if (!options.factory) {
      // A listener takes (req, res); a function declaring no parameters is more likely an app factory.
      if (typeof picked === 'function' && picked.length === 0 && !isFetchApp(picked)) onWarning?.(factoryWarning(specifier, picked))
      return picked
    }
    const app: unknown = await (picked as () => unknown)()
    if (!isAppLike(app)) {
      throw new MgnodeError(
        'ERR_MGNODE_NO_APP',
        `the app factory of "${specifier}" returned ${app === null ? 'null' : typeof app}, not a request listener, an Express/Koa/Connect app or a fetch app`,
      )
    }
    return app
  }
  const app = await (onWarning === undefined ? load() : watchListen((call) => onWarning(listenWarning(specifier, call)), load))
  return { app, upgrade }
}
