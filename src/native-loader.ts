/**
 * Loads the addon through napi-rs's generated loader (`binding.js`) and, when no
 * binary fits this machine, throws an error that says which one was needed,
 * whether mgnode publishes it, and how to get it.
 *
 * `binding.js` is wrapped, not edited: `napi build` regenerates it, and its
 * search order (the `NAPI_RS_NATIVE_LIBRARY_PATH` override, a `.node` file next
 * to it, then the platform package) is what we want. Only its final error is
 * replaced, since that one blames an npm bug whatever the cause.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { MgnodeError } from './errors'
import { type Machine, currentMachine, platformId, supportedIds } from './platform-id'

/** The package's root: `binding.js`, `package.json` and local `.node` files live there. */
const ROOT = join(__dirname, '..')

/** The fields of mgnode's package.json this module reads. */
export interface PackageInfo {
  name: string
  version: string
  /** The Rust target triples a platform package is published for. */
  napi?: { targets?: string[] }
  repository?: string | { url?: string }
}

/** The error thrown when no binary could be loaded, with what it is about. */
export interface NoBinaryError extends MgnodeError {
  /** napi-rs's name for the machine, e.g. `linux-x64-gnu`. */
  platformId: string
  /** The platform package that carries its binary, e.g. `mgnode-linux-x64-gnu`. */
  packageName: string
  /** Whether mgnode publishes that package. */
  supported: boolean
}

const PLATFORM_NAMES: Record<string, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows', freebsd: 'FreeBSD' }

/** "Linux, arm64, glibc 2.31": the machine in words. */
function describe(m: Machine): string {
  const libc = m.libc === 'gnu' ? `glibc${m.glibc ? ` ${m.glibc}` : ''}` : m.libc
  return [PLATFORM_NAMES[m.platform] ?? m.platform, m.arch, libc].filter(Boolean).join(', ')
}

function repositoryUrl(pkg: PackageInfo): string {
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url
  return (raw ?? `https://github.com/${pkg.name}/${pkg.name}`).replace(/^git\+/, '')
}

/**
 * The messages of the errors binding.js collected, in the order it met them. It
 * chains copies of them (message only, no `code`) through `cause`, last first.
 */
function loadErrors(err: unknown): Error[] {
  const out: Error[] = []
  let e = (err as { cause?: unknown }).cause
  while (e instanceof Error && out.length < 50) {
    out.push(e)
    e = (e as { cause?: unknown }).cause
  }
  return out.reverse()
}

/** The first load error that is not "no such file": a binary that is there but failed to load. */
function loadFailure(errors: Error[]): string | undefined {
  const failed = errors.find((e) => !/^Cannot find module /.test(e.message))
  return failed?.message.split('\n')[0]
}

/** What the caller found when looking for the binary. */
export interface Search {
  /** `NAPI_RS_NATIVE_LIBRARY_PATH`, if set. */
  override?: string
  /** Whether the platform package is installed. */
  installed: boolean
  /** Whether `mgnode.<id>.node` sits next to binding.js (a source build). */
  localFile: boolean
  /** The reason a binary that exists failed to load, if one did. */
  failure?: string
}

/** The error for a machine with no loadable binary. */
export function noBinaryError(machine: Machine, pkg: PackageInfo, search: Search): NoBinaryError {
  const id = platformId(machine)
  const packageName = `${pkg.name}-${id}`
  const supported = supportedIds(pkg.napi?.targets ?? [])
  const isSupported = supported.includes(id)
  const lines = [`${pkg.name} has no native binary loaded for ${id} (${describe(machine)}; Node ${process.version}).`]
  if (search.override !== undefined) {
    lines.push(`NAPI_RS_NATIVE_LIBRARY_PATH is set to ${search.override}, which could not be loaded: ${search.failure ?? 'not found'}.`)
  } else if (search.installed || search.localFile) {
    const what = search.installed ? `The package ${packageName}@${pkg.version}` : `${join(ROOT, `${pkg.name}.${id}.node`)}`
    lines.push(`${what} is there but could not be loaded: ${search.failure ?? 'unknown reason'}.`)
    if (machine.libc === 'gnu' && /GLIBC_/.test(search.failure ?? '')) {
      lines.push(`Its binary needs a newer glibc than this system's${machine.glibc ? ` ${machine.glibc}` : ''}.`)
    }
  } else if (isSupported) {
    lines.push(
      `This is a supported platform: its binary is the package ${packageName}, which npm installs with ${pkg.name} as an ` +
        `optional dependency, but it is not installed here (optional dependencies omitted, or node_modules or the lockfile ` +
        `made on another platform). Install it with: npm install ${packageName}@${pkg.version}`,
    )
  } else {
    lines.push(
      `This is not a supported platform: there is no package ${packageName}. ` +
        `Prebuilt binaries exist for ${supported.length ? supported.join(', ') : '(none listed)'}.`,
    )
  }
  const repo = repositoryUrl(pkg).replace(/\.git$/, '')
  const folder = repo.split('/').pop() || pkg.name
  lines.push(
    `To build it from source (needs Rust, a C compiler, and Python 3 with pip): ` +
      `git clone ${repo} && cd ${folder} && npm install && npm run build, ` +
      `then install that folder into your app: npm install /path/to/${folder}`,
  )
  const err = new MgnodeError('ERR_MGNODE_NO_BINARY', lines.join('\n')) as NoBinaryError
  err.platformId = id
  err.packageName = packageName
  err.supported = isSupported
  return err
}

/** True for the generic errors binding.js throws when nothing loaded. */
function isNotFound(err: unknown): boolean {
  return err instanceof Error && /^(Cannot find native binding|Failed to load native binding)/.test(err.message)
}

/** Requires `binding.js`; on failure throws a {@link NoBinaryError} carrying the load errors as its cause. */
export function loadBinding<T>(): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../binding.js') as T
  } catch (err) {
    if (!isNotFound(err)) throw err
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageInfo
    const machine = currentMachine()
    const id = platformId(machine)
    const errors = loadErrors(err)
    let installed = false
    try {
      createRequire(join(ROOT, 'binding.js')).resolve(`${pkg.name}-${id}/package.json`)
      installed = true
    } catch {
      // not installed
    }
    const out = noBinaryError(machine, pkg, {
      override: process.env.NAPI_RS_NATIVE_LIBRARY_PATH || undefined,
      installed,
      localFile: existsSync(join(ROOT, `${pkg.name}.${id}.node`)),
      failure: loadFailure(errors),
    })
    // The load errors themselves, without binding.js's own message about npm.
    if (errors.length) Object.defineProperty(out, 'cause', { value: (err as { cause?: unknown }).cause, enumerable: false, writable: true, configurable: true })
    throw out
  }
}
