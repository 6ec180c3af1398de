// ConnectionTable: a thread's entries by connection id, including ids
// that share a slot (4,096 apart, or 2^32 apart).
import test from 'ava'
import { createRequire } from 'node:module'
import path from 'node:path'
import { root } from './helpers/server.mjs'

const require = createRequire(import.meta.url)
const { ConnectionTable } = require(path.join(root, 'dist', 'connection-table.js'))

const SAME_SLOT = [7, 7 + 4096, 7 + 8192, 7 + 2 ** 40]

const reply = (connId) => ({ connId })
const ids = (replies) => replies.map((r) => r.connId).sort((a, b) => a - b)

test('replies whose ids share a slot are each found, and removing one keeps the others', (t) => {
  const table = new ConnectionTable()
  const replies = SAME_SLOT.map(reply)
  for (const r of replies) table.add(r)
  for (const r of replies) t.is(table.get(r.connId), r)
  t.deepEqual(ids(table.list()), SAME_SLOT)

  table.remove(replies[0])
  t.is(table.get(SAME_SLOT[0]), undefined)
  for (const r of replies.slice(1)) t.is(table.get(r.connId), r)
  table.remove(replies[2])
  t.is(table.get(SAME_SLOT[2]), undefined)
  t.deepEqual(ids(table.list()), [SAME_SLOT[1], SAME_SLOT[3]])
})

test('a connection never filed, or whose reply was removed, has none', (t) => {
  const table = new ConnectionTable()
  t.is(table.get(1), undefined)
  const r = reply(1)
  table.add(r)
  t.is(table.get(1 + 4096), undefined)
  table.remove(r)
  t.is(table.get(1), undefined)
  t.deepEqual(table.list(), [])
})

test("a connection's next reply replaces its last, and removing the last then keeps the next", (t) => {
  for (const neighbour of [false, true]) {
    const table = new ConnectionTable()
    // With a neighbour holding the slot, the connection's replies sit beside it.
    const holder = reply(42 + 4096)
    if (neighbour) table.add(holder)
    const first = reply(42)
    const next = reply(42)
    table.add(first)
    table.add(next)
    t.is(table.get(42), next)
    table.remove(first)
    t.is(table.get(42), next)
    t.is(table.list().length, neighbour ? 2 : 1)
    if (neighbour) t.is(table.get(42 + 4096), holder)
  }
})

test('a slot its holder left is used again while the reply beside it stays found', (t) => {
  const table = new ConnectionTable()
  const holder = reply(5)
  const beside = reply(5 + 4096)
  table.add(holder)
  table.add(beside)
  table.remove(holder)
  const next = reply(5 + 8192)
  table.add(next)
  t.is(table.get(5 + 8192), next)
  t.is(table.get(5 + 4096), beside)
  t.is(table.get(5), undefined)
  table.remove(beside)
  t.is(table.get(5 + 4096), undefined)
  t.deepEqual(table.list(), [next])
})

test('list() is a snapshot: removing while iterating it visits every reply once', (t) => {
  const table = new ConnectionTable()
  const replies = [1, 2, 3, ...SAME_SLOT].map(reply)
  for (const r of replies) table.add(r)
  const seen = []
  for (const r of table.list()) {
    seen.push(r)
    table.remove(r)
  }
  t.deepEqual(ids(seen), ids(replies))
  t.deepEqual(table.list(), [])
})

test('size counts connections: a replaced entry once, a stale or unknown removal not at all', (t) => {
  const table = new ConnectionTable()
  t.is(table.size, 0)
  const replies = SAME_SLOT.map(reply)
  for (const r of replies) table.add(r)
  t.is(table.size, SAME_SLOT.length)
  // A connection's next entry replaces its last, in its slot and beside it.
  const next0 = reply(SAME_SLOT[0])
  const next1 = reply(SAME_SLOT[1])
  table.add(next0)
  table.add(next1)
  t.is(table.size, SAME_SLOT.length)
  // The replaced entries are no longer filed: removing them changes nothing.
  table.remove(replies[0])
  table.remove(replies[1])
  table.remove(reply(99))
  t.is(table.size, SAME_SLOT.length)
  table.remove(next0)
  table.remove(next1)
  t.is(table.size, SAME_SLOT.length - 2)
  t.is(table.size, table.list().length)
})
