'use strict'
// The bytes every scenario serves, shared by the servers and the runner's check.

const HELLO = 'hello world\n'
const PATTERN = 'mgnode benchmark payload 0123456789abcdef\n'

/** `size` bytes of PATTERN repeated (bench/lib/load.mjs builds the same in Lua for wrk). */
function patterned(size) {
  return Buffer.alloc(size, PATTERN)
}

const BIG_SIZE = 1024 * 1024
const ECHO_SIZE = 64 * 1024
const USER_ID = '42'

/** What the framework scenarios answer on GET /user/:id. */
function user(id) {
  return { id, name: `user-${id}` }
}

module.exports = { HELLO, PATTERN, patterned, BIG_SIZE, ECHO_SIZE, USER_ID, user }
