// Child processes: Node exits on its own after close(), and garbage-collecting a manager never crashes.
import test from 'ava'
import { spawn } from 'node:child_process'
import net from 'node:net'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { distIndex } from './helpers/server.mjs'
import { simpleGet, exchange, requestHead } from './helpers/raw.mjs'
import { scaled } from './helpers/slowdown.mjs'

/**
 * Run `node [flags] -e script`; collect stdout lines with arrival times.
 * `onLine(line, child)` may act on lines. Killed after `limit` ms.
 */
function runChild(script, { flags = [], limit = 20000, onLine } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...flags, '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MGNODE_DIST: distIndex },
    })
    const lines = []
    let stderr = ''
    let pending = ''
    let killed = false
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d) => {
      pending += d
      let i
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i)
        pending = pending.slice(i + 1)
        lines.push({ line, at: performance.now() })
        onLine?.(line, child)
      }
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, scaled(limit))
    let exitAt, code, signal
    child.on('exit', (c, s) => {
      exitAt = performance.now()
      code = c
      signal = s
      clearTimeout(timer)
    })
    // 'close' comes after 'exit' once stdout/stderr are drained
    child.on('close', () => resolve({ code, signal, killed, lines, stderr, exitAt }))
  })
}

const lineAt = (r, prefix) => r.lines.find((l) => l.line.startsWith(prefix))

test('child process: listen, serve one request, close() — exits on its own within a second of close', async (t) => {
  const script = `
    const { Manager } = require(process.env.MGNODE_DIST)
    const mgr = new Manager()
    mgr.listen('http://127.0.0.1:0', (req, reply) => {
      reply.send(200, {}, 'from child')
      setTimeout(async () => {
        await mgr.close()
        console.log('CLOSED')
      }, 100)
    }).then((l) => console.log('PORT ' + l.localAddr[1]), (err) => { console.error(err); process.exit(3) })
  `
  let fetched
  const r = await runChild(script, {
    onLine(line) {
      if (line.startsWith('PORT ')) fetched = simpleGet(Number(line.slice(5))).catch((err) => err)
    },
  })
  t.false(r.killed, `child did not exit within 20 s; stdout ${JSON.stringify(r.lines.map((l) => l.line))} stderr ${r.stderr}`)
  const res = await fetched
  t.is(res?.body?.toString(), 'from child', String(res))
  const closed = lineAt(r, 'CLOSED')
  t.truthy(closed, `no CLOSED line; stderr: ${r.stderr}`)
  t.is(r.code, 0, r.stderr)
  t.is(r.signal, null)
  const ms = r.exitAt - closed.at
  t.log(`exit ${ms.toFixed(0)} ms after close() resolved`)
  t.true(ms < 1000, `child exited ${ms.toFixed(0)} ms after close() resolved`)
})

test('child process: listen then close() immediately — exits on its own within a second', async (t) => {
  const script = `
    const { Manager } = require(process.env.MGNODE_DIST)
    ;(async () => {
      const mgr = new Manager()
      await mgr.listen('http://127.0.0.1:0', () => {})
      await mgr.listen('http://127.0.0.1:0', () => {})
      await mgr.close()
      console.log('CLOSED')
    })().catch((err) => { console.error(err); process.exit(3) })
  `
  const r = await runChild(script)
  t.false(r.killed, 'child kept running after close()')
  const closed = lineAt(r, 'CLOSED')
  t.truthy(closed, r.stderr)
  t.is(r.code, 0, r.stderr)
  const ms = r.exitAt - closed.at
  t.true(ms < 1000, `child exited ${ms.toFixed(0)} ms after close() resolved`)
})

test('child process: close() with a request still pending in the handler — exits on its own', async (t) => {
  const script = `
    const { Manager } = require(process.env.MGNODE_DIST)
    const mgr = new Manager()
    mgr.listen('http://127.0.0.1:0', (req, reply) => {
      // never answers; close() must still let the process go
      setTimeout(async () => {
        await mgr.close()
        console.log('CLOSED')
      }, 50)
    }).then((l) => console.log('PORT ' + l.localAddr[1]))
  `
  let fetched
  const r = await runChild(script, {
    onLine(line) {
      if (line.startsWith('PORT ')) {
        // close() waits up to its grace period (5 s by default) for the handler
        fetched = exchange(Number(line.slice(5)), requestHead('GET', '/'), { timeout: 15000 }).then(
          ({ responses, client }) => (client.destroy(), `response ${responses[0].status}`),
          (err) => `error ${err.message}`,
        )
      }
    },
  })
  t.false(r.killed, 'child kept running after close()')
  const closed = lineAt(r, 'CLOSED')
  t.truthy(closed, r.stderr)
  t.is(r.code, 0, r.stderr)
  t.true(r.exitAt - closed.at < 1000, `exited ${(r.exitAt - closed.at).toFixed(0)} ms after close()`)
  const outcome = await fetched
  t.log('client outcome:', outcome)
  t.false(/timed out/.test(outcome), outcome)
})

test('child process: a manager dropped without close() and garbage-collected does not crash', async (t) => {
  const script = `
    const { Manager } = require(process.env.MGNODE_DIST)
    ;(() => { let m = new Manager(); m = null })()
    for (let i = 0; i < 5; i++) { const m = new Manager() }
    global.gc()
    setTimeout(() => {
      global.gc()
      setTimeout(() => {
        console.log('GC DONE')
        // give it a moment to exit by itself; otherwise leave explicitly
        setTimeout(() => { console.log('FORCED EXIT'); process.exit(0) }, 1000).unref()
      }, 100)
    }, 100)
  `
  const r = await runChild(script, { flags: ['--expose-gc'] })
  t.false(r.killed)
  t.truthy(lineAt(r, 'GC DONE'), `stderr: ${r.stderr}`)
  t.is(r.signal, null, `child died from ${r.signal}; stderr ${r.stderr}`)
  t.is(r.code, 0, r.stderr)
  t.false(/panick|Segmentation|Abort|FATAL/i.test(r.stderr), r.stderr)
  t.log(lineAt(r, 'FORCED EXIT') ? 'did not exit by itself (an unclosed, unlistened manager kept Node alive)' : 'exited by itself')
})

test('child process: a listening manager that served requests, dropped without close() and GC-ed, does not crash', async (t) => {
  const script = `
    const { Manager } = require(process.env.MGNODE_DIST)
    const http = require('node:http')
    ;(async () => {
      let mgr = new Manager()
      const l = await mgr.listen('http://127.0.0.1:0', (req, reply) => reply.send(200, {}, 'gc me'))
      const port = l.localAddr[1]
      const get = () => new Promise((res, rej) => http.get({ host: '127.0.0.1', port, agent: false }, (r) => {
        let s = ''; r.on('data', (d) => s += d); r.on('end', () => res(s))
      }).on('error', rej))
      console.log('BODY ' + await get())
      mgr = null
      global.gc()
      await new Promise((r) => setTimeout(r, 200))
      global.gc()
      await new Promise((r) => setTimeout(r, 200))
      console.log('GC DONE')
      process.exit(0)
    })().catch((err) => { console.error(err); process.exit(3) })
  `
  const r = await runChild(script, { flags: ['--expose-gc'] })
  t.false(r.killed)
  t.is(lineAt(r, 'BODY ')?.line, 'BODY gc me', r.stderr)
  t.truthy(lineAt(r, 'GC DONE'), r.stderr)
  t.is(r.signal, null, `child died from ${r.signal}; stderr ${r.stderr}`)
  t.is(r.code, 0, r.stderr)
  t.false(/panick|Segmentation|FATAL/i.test(r.stderr), r.stderr)
})

test('child process: process.exit() while a manager is serving does not crash', async (t) => {
  const script = `
    const { Manager } = require(process.env.MGNODE_DIST)
    const mgr = new Manager()
    mgr.listen('http://127.0.0.1:0', (req, reply) => {
      reply.writeHead(200, {})
      reply.write('x')
      setTimeout(() => process.exit(0), 20)
    }).then((l) => console.log('PORT ' + l.localAddr[1]))
  `
  let fetched
  const r = await runChild(script, {
    onLine(line) {
      if (line.startsWith('PORT ')) fetched = simpleGet(Number(line.slice(5))).catch((e) => e)
    },
  })
  await fetched
  t.false(r.killed)
  t.is(r.signal, null, `child died from ${r.signal}; stderr ${r.stderr}`)
  t.is(r.code, 0, r.stderr)
  t.false(/panick|Segmentation|FATAL/i.test(r.stderr), r.stderr)
})

test('child process: close() while large lent bodies wait for a client that stopped reading — exits cleanly within a second', async (t) => {
  // The engine still holds references to JavaScript Buffers when it shuts
  // down; releasing them must neither crash nor keep the process alive.
  const script = `
    const { Manager } = require(process.env.MGNODE_DIST)
    const body = Buffer.alloc(8 * 1024 * 1024, 120)
    const mgr = new Manager()
    let served = 0
    mgr.listen('http://127.0.0.1:0', (req, reply) => {
      reply.send(200, {}, body)
      if (++served === 3) setTimeout(async () => { await mgr.close(100); console.log('CLOSED') }, 200)
    }).then((l) => console.log('PORT ' + l.localAddr[1]), (err) => { console.error(err); process.exit(3) })
  `
  const clients = []
  const r = await runChild(script, {
    onLine(line) {
      if (!line.startsWith('PORT ')) return
      const port = Number(line.slice(5))
      for (let i = 0; i < 3; i++) {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(requestHead('GET', `/${i}`))
          socket.pause() // never reads: the 8 MiB stay queued in the engine
        })
        socket.on('error', () => {})
        clients.push(socket)
      }
    },
  })
  for (const s of clients) s.destroy()
  t.false(r.killed, `child did not exit; stderr ${r.stderr}`)
  const closed = lineAt(r, 'CLOSED')
  t.truthy(closed, `no CLOSED line; stderr: ${r.stderr}`)
  t.is(r.code, 0, r.stderr)
  t.is(r.signal, null)
  const ms = r.exitAt - closed.at
  t.true(ms < 1000, `child exited ${ms.toFixed(0)} ms after close() resolved`)
})

// About Linux's allocators giving pages back (glibc needs malloc_trim, musl does it
// itself), measured in /proc: skipped elsewhere, where neither applies.
const onLinux = process.platform === 'linux' ? test : test.skip

onLinux('child process: 2000 idle keep-alive connections give their buffers back (RSS falls once they are idle; Linux only: reads /proc)', async (t) => {
  // Each connection that made a request holds Mongoose's 32 KiB receive and
  // send buffers; idle ones must not keep them (nor the allocator their pages).
  const script = `
    const { Manager } = require(process.env.MGNODE_DIST)
    const mgr = new Manager()
    mgr.listen('http://127.0.0.1:0', (req, reply) => reply.send(200, {}, 'ok'), { keepAliveTimeout: 60000 })
      .then((l) => console.log('PORT ' + l.localAddr[1]))
    setTimeout(() => mgr.close(), ${scaled(15000)})
  `
  const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1])
  const sockets = []
  t.teardown(() => sockets.forEach((s) => s.destroy()))
  let measured
  const r = await runChild(script, {
    limit: 30000,
    onLine(line, child) {
      if (!line.startsWith('PORT ')) return
      const port = Number(line.slice(5))
      measured = (async () => {
        await sleep(300)
        const before = rssKiB(child.pid)
        for (let i = 0; i < 2000; i += 100) {
          await Promise.all(
            Array.from({ length: 100 }, () =>
              new Promise((resolve, reject) => {
                const s = net.connect(port, '127.0.0.1', () => s.write(requestHead('GET', '/')))
                s.once('data', resolve)
                s.once('error', reject)
                sockets.push(s)
              }),
            ),
          )
        }
        const busy = rssKiB(child.pid)
        await sleep(3000) // idle past the engine's 1 s, then its next collection
        const idle = rssKiB(child.pid)
        child.kill('SIGKILL')
        return { before, busy, idle }
      })()
    },
  })
  t.truthy(measured, r.stderr)
  const { before, busy, idle } = await measured
  const mib = (kib) => (kib / 1024).toFixed(1)
  t.log(`RSS ${mib(before)} MiB before, ${mib(busy)} MiB with 2000 connections just answered, ${mib(idle)} MiB once idle`)
  // Freed, the buffers are about half of what 2000 fresh connections add; kept, RSS does not move.
  t.true(busy - before > 10 * 1024, `2000 connections added only ${mib(busy - before)} MiB`)
  t.true(idle - before < (busy - before) * 0.75, `idle connections still hold ${mib(idle - before)} of ${mib(busy - before)} MiB`)
})
