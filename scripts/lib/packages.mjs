// What the release scripts share: mgnode's targets, their npm packages and the
// files a platform package must carry. Targets come from package.json's
// `napi.targets`, named the way napi-rs names them (parseTriple).

import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// Loaded when first needed, so that checks which need no target list also run
// before `npm install`.
const require = createRequire(import.meta.url)

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

export function writeJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n')
}

export const rootPackage = () => readJson(path.join(root, 'package.json'))

/**
 * One entry per published target: its Rust triple, napi-rs's id for it
 * (`linux-x64-gnu`), its npm package, folder and binary file name.
 */
export function targets(pkg = rootPackage()) {
  const { parseTriple } = require('@napi-rs/cli')
  const binaryName = pkg.napi.binaryName
  return pkg.napi.targets.map((triple) => {
    const t = parseTriple(triple)
    return {
      triple,
      id: t.platformArchABI,
      platform: t.platform,
      arch: t.arch,
      abi: t.abi,
      packageName: `${pkg.name}-${t.platformArchABI}`,
      dir: path.join(root, 'npm', t.platformArchABI),
      binary: `${binaryName}.${t.platformArchABI}.node`,
    }
  })
}

/**
 * The main package's optionalDependencies as published: every platform
 * package, pinned to the main package's version. `napi prepublish` writes them
 * into package.json at publish time (they are not committed: `npm ci` refuses a
 * lockfile that cannot resolve them before they exist); check-package.mjs
 * verifies what it wrote.
 */
export function releaseOptionalDependencies(pkg = rootPackage()) {
  return Object.fromEntries(targets(pkg).map((t) => [t.packageName, pkg.version]))
}

/**
 * The license files every platform package carries, as [name in the package,
 * source]: mgnode's own, and Mongoose's (with Cesanta's copyright), since each
 * binary contains Mongoose. Mongoose's comes from vendor/, fetched at build time.
 */
export const licenseFiles = () => [
  ['LICENSE', path.join(root, 'LICENSE')],
  ['LICENSE-mongoose', path.join(root, 'vendor', 'mongoose', 'LICENSE')],
]

/**
 * Copies the license files (and `binary`, if given) into a platform package's
 * folder `dir`; throws if one is missing.
 */
export function stagePlatformPackage(t, dir, binary) {
  for (const [name, source] of licenseFiles()) {
    if (!fs.existsSync(source)) throw new Error(`${path.relative(root, source)} is missing; run \`npm run fetch-mongoose\` first`)
    fs.copyFileSync(source, path.join(dir, name))
  }
  if (binary) {
    if (!fs.existsSync(binary)) throw new Error(`${path.relative(root, binary)} is missing; run \`npm run build\` first`)
    fs.copyFileSync(binary, path.join(dir, t.binary))
  }
}

/** The first bytes of a binary for each platform (ELF, Mach-O 64-bit, PE). */
const MAGIC = {
  linux: [Buffer.from([0x7f, 0x45, 0x4c, 0x46])],
  darwin: [Buffer.from([0xcf, 0xfa, 0xed, 0xfe])],
  win32: [Buffer.from('MZ')],
}

/** Whether `file` starts like a binary for `platform` (catches one put in the wrong folder). */
export function looksLikeBinaryFor(file, platform) {
  const magics = MAGIC[platform]
  if (!magics) return true
  const fd = fs.openSync(file, 'r')
  try {
    const head = Buffer.alloc(4)
    fs.readSync(fd, head, 0, 4, 0)
    return magics.some((m) => head.subarray(0, m.length).equals(m))
  } finally {
    fs.closeSync(fd)
  }
}
