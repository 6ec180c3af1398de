// Running out of file descriptors (EMFILE): the server must neither stop
// nor spin. Each server runs in a child process whose descriptor limit is
// lowered to 64 once it listens (prlimit), on mgnode and on node:http.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { RawClient } from './helpers/raw.mjs'
import { startChild } from './helpers/child.mjs'
import { root, sleep } from './helpers/server.mjs'
import { targets } from './helpers/both.mjs'

const FIXTURE = path.join(root, '__test__', 'fixtures', 'emfile-server.mjs')
const GET = 'GET / HTTP/1.1\r\nHost: t\r\n\r\n'
const LIMIT = 64
/** More connections than the child has descriptors for. */
const CLIENTS = 100
const TICKS_PER_SECOND = 100

const hasPrlimit = process.platform === 'linux' && spawnSync('prlimit', ['--version']).status === 0

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** Sends one request on a new connection; resolves its client and whether it was answered (null: no answer yet). */
function attempt(port, timeout) {
  return RawClient.connect(port).then(async (c) => {
    c.socket.write(GET, () => {})
    try {
      const res = await c.readResponse({ timeout })
      return { c, ok: res.status === 200 }
    } catch {
      return { c, ok: false }
    }
  })
}

for (const target of targets) {
  const title = `out of descriptors, the server keeps serving, does not spin, and accepts again once some free up [${target}]`
  ;(hasPrlimit ? test.serial : test.skip)(title, async (t) => {
    const { match, child } = await startChild(t, [FIXTURE, target], { ready: /port (\d+)/ })
    const port = Number(match[1])
    t.is(spawnSync('prlimit', ['--pid', String(child.pid), `--nofile=${LIMIT}:${LIMIT}`]).status, 0)
    t.regex(fs.readFileSync(`/proc/${child.pid}/limits`, 'utf8'), new RegExp(`open files\\s+${LIMIT}\\s`))
    const keepAlive = await RawClient.connect(port)
    t.teardown(() => keepAlive.destroy())
    await keepAlive.write(GET)
    t.is((await keepAlive.readResponse()).status, 200)

    // Past the limit: some connections are served, the rest cannot be.
    const flood = await Promise.all(Array.from({ length: CLIENTS }, () => attempt(port, 1500)))
    t.teardown(() => flood.forEach(({ c }) => c.destroy()))
    const served = flood.filter((a) => a.ok)
    t.log(`${served.length} of ${CLIENTS} connections served at the limit`)
    t.true(served.length < CLIENTS, 'the descriptor limit was reached')

    // At the limit, the process stays nearly idle.
    const before = cpuSeconds(child.pid)
    await sleep(1000)
    const used = cpuSeconds(child.pid) - before
    t.log(`CPU over 1 s at the limit: ${used.toFixed(2)} s`)
    t.true(used < 0.25, `the loop spins: ${used.toFixed(2)} s of CPU in 1 s`)

    // A connection it already has is still served.
    await keepAlive.write(GET)
    t.is((await keepAlive.readResponse()).status, 200)

    // Descriptors free up (the flood's clients leave): new connections are accepted again.
    for (const { c } of flood) c.destroy()
    let again = false
    for (let i = 0; i < 20 && !again; i++) {
      const a = await attempt(port, 1000)
      a.c.destroy()
      again = a.ok
      if (!again) await sleep(100)
    }
    t.true(again, 'a new connection is served once others closed')
  })
}
