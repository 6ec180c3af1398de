// Preloaded (node --require, and NODE_OPTIONS for every child) when the test
// suite runs on a Node binary this machine cannot exec directly: an arm64
// Node under qemu-aarch64, or a musl Node that needs a newer musl loader.
// The first process is started through the launcher by the script; this makes
// every child Node process the suite spawns (ava's workers, the CLI and child
// process tests, all of which spawn process.execPath) go through it too.
//
// MGNODE_NODE_LAUNCHER is a JSON array: the command and the arguments to put
// before the Node binary, e.g. ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"].
// MGNODE_NODE_BINARY is that binary, when process.execPath is not it (a Node
// started by a musl loader run as a program sees the loader as its execPath).

'use strict'

const childProcess = require('node:child_process')
const { syncBuiltinESMExports } = require('node:module')

const launcher = JSON.parse(process.env.MGNODE_NODE_LAUNCHER || '[]')
const node = process.env.MGNODE_NODE_BINARY || process.execPath

if (launcher.length > 0) {
  const isNode = (file) => file === process.execPath || file === node

  /** [file, args] with the launcher in front when `file` is this Node binary. */
  const launch = (file, args) => (isNode(file) ? [launcher[0], [...launcher.slice(1), node, ...args]] : [file, args])

  // spawn, fork, exec and execFile all end in ChildProcess#spawn, whose
  // options carry the file and the whole argv (argv[0] first).
  const spawn = childProcess.ChildProcess.prototype.spawn
  childProcess.ChildProcess.prototype.spawn = function (options) {
    if (options && isNode(options.file)) {
      const [file, args] = launch(options.file, options.args.slice(1))
      options = { ...options, file, args: [file, ...args] }
    }
    return spawn.call(this, options)
  }

  // The synchronous ones reach the process binding directly: wrap their entries.
  for (const name of ['spawnSync', 'execFileSync']) {
    const original = childProcess[name]
    childProcess[name] = function (file, args, options) {
      if (!Array.isArray(args)) return original.call(this, ...launch(file, []), args)
      return original.call(this, ...launch(file, args), options)
    }
  }
  // `import { spawnSync } from 'node:child_process'` sees the wrapped ones too.
  syncBuiltinESMExports()
}
