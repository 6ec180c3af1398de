#!/usr/bin/env node
// Puts the license files into every npm/<platform>/ package: mgnode's, and
// Mongoose's from vendor/ (fetched at build time, never committed), since each
// binary contains Mongoose. Run before publishing (prepublishOnly); the
// binaries themselves are put there by `napi artifacts`.

import path from 'node:path'

import { root, stagePlatformPackage, targets } from './lib/packages.mjs'

try {
  for (const t of targets()) {
    stagePlatformPackage(t, t.dir)
    console.log(`licenses staged in ${path.relative(root, t.dir)}`)
  }
} catch (err) {
  console.error(`stage-platform-packages: ${err.message}`)
  process.exit(1)
}
