#!/usr/bin/env node
'use strict'
// Exits once the command is done, once stdout and stderr have taken what was written:
// a stopped server is done even if the app left handles open (its own servers, timers, pools).
function exit(code) {
  process.exitCode = code
  process.stdout.write('', () => process.stderr.write('', () => process.exit()))
}
require('../dist/cli.js').main(process.argv.slice(2)).then(
  (code) => exit(typeof code === 'number' ? code : 0),
  (err) => {
    console.error(`mgnode: ${err && err.message ? err.message : err}`)
    exit(1)
  },
)
