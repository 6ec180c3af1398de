// The pure parts of the stress suite (stress/lib): the seeded fuzz
// generator, the response reader, the report table.
import test from 'ava'

import { firstRequest, generate } from '../stress/lib/fuzz-gen.mjs'
import { parseResponses, statusCodes } from '../stress/lib/http-response.mjs'
import { Random, mulberry32 } from '../stress/lib/random.mjs'
import { cellText, count, duration, markdownTable, mib } from '../stress/lib/table.mjs'

test('the random source repeats for a seed and differs between seeds', (t) => {
  const a = mulberry32(7)
  const b = mulberry32(7)
  const c = mulberry32(8)
  const first = Array.from({ length: 5 }, () => a())
  t.deepEqual(first, Array.from({ length: 5 }, () => b()))
  t.notDeepEqual(first, Array.from({ length: 5 }, () => c()))
  const r = new Random(3)
  for (let i = 0; i < 1000; i++) {
    const n = r.between(2, 5)
    t.true(n >= 2 && n <= 5)
  }
})

test('a fuzz input is the same bytes for the same seed and id, and depends on both', (t) => {
  t.deepEqual(generate(1, 42).bytes, generate(1, 42).bytes)
  t.notDeepEqual(generate(1, 42).bytes, generate(2, 42).bytes)
  t.notDeepEqual(generate(1, 42).bytes, generate(1, 43).bytes)
})

test('fuzz inputs split only inside their bytes, in order, and name their own id', (t) => {
  const kinds = new Set()
  for (let id = 0; id < 2000; id++) {
    const input = generate(5, id)
    kinds.add(input.kind.split(' ')[0])
    t.is(input.id, id)
    t.true(input.bytes.length > 0 || input.kind.startsWith('mutated'))
    for (let i = 0; i < input.splits.length; i++) {
      t.true(input.splits[i] > 0 && input.splits[i] < input.bytes.length)
      if (i > 0) t.true(input.splits[i] > input.splits[i - 1])
    }
    if (input.kind === 'valid') t.regex(input.bytes.toString('latin1'), new RegExp(`^[A-Z]+ /f${id}[ ?]`))
  }
  t.deepEqual([...kinds].sort(), ['mutated', 'random', 'token', 'valid'])
})

test('unmutated inputs frame their hidden request as body bytes: the length matches', (t) => {
  let checked = 0
  for (let id = 0; id < 3000; id++) {
    const input = generate(9, id)
    const text = input.bytes.toString('latin1')
    const m = /^POST \/f\d+ HTTP\/1\.1\r\nHost: t\r\nContent-Length: (\d+)\r\n\r\n/.exec(text)
    if (input.kind !== 'valid' || !m) continue
    const body = text.slice(m[0].length)
    t.true(body.startsWith(`GET /s${id} HTTP/1.1`))
    t.true(body.length >= Number(m[1]))
    t.is(body.slice(0, Number(m[1])), `GET /s${id} HTTP/1.1\r\nHost: t\r\n\r\n`)
    checked++
  }
  t.true(checked > 5)
})

test('firstRequest names the request line an input starts with', (t) => {
  t.is(firstRequest(Buffer.from('POST /f1?x HTTP/1.1\r\nHost: t\r\n\r\n')), 'POST /f1?x')
  t.is(firstRequest(Buffer.from('GET /f1 HTTP/2.0\r\n')), null)
  t.is(firstRequest(Buffer.from('\r\nGET /f1 HTTP/1.1\r\n')), null)
})

test('responses are read by their framing, and a close inside one is a truncation', (t) => {
  const two = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1;x=y\r\nc\r\n0\r\nT: 1\r\n\r\n')
  const r = parseResponses(two, false)
  t.deepEqual(r.responses.map((x) => [x.status, x.bodyLength]), [[200, 2], [200, 3]])
  t.is(r.responses[1].end, two.length)
  t.false(r.truncated)
  const cut = parseResponses(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'), true)
  t.is(cut.responses.length, 0)
  t.true(cut.truncated)
  const untilClose = parseResponses(Buffer.from('HTTP/1.0 200 OK\r\n\r\nall of it'), true)
  t.is(untilClose.responses[0].bodyLength, 9)
  t.is(parseResponses(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n')).responses.length, 2)
  t.regex(parseResponses(Buffer.from('SSH-2.0\r\n\r\n')).bad, /status line/)
  t.deepEqual(statusCodes(Buffer.from('HTTP/1.1 400 Bad\r\n\r\nxHTTP/1.0 431 X\r\n')), [400, 431])
})

test('the report table escapes cells and says why a row is not as good', (t) => {
  const md = markdownTable([
    { title: 'a | b', mgnode: '1\n2', node: null, verdict: { ok: true } },
    { title: 'c', mgnode: 'x', node: 'y', verdict: { ok: false, why: 'slower' } },
    { title: 'd', mgnode: 'x', node: 'y', verdict: { ok: true, note: '3 refused' } },
  ])
  const lines = md.split('\n')
  t.is(lines.length, 5)
  t.is(lines[2], '| a \\| b | 1 2 | — | yes |')
  t.is(lines[3], '| c | x | y | **no**: slower |')
  t.is(lines[4], '| d | x | y | yes (3 refused) |')
  t.is(cellText(undefined), '—')
  t.is(mib(3 * 1024 * 1024, true), '+3.0 MiB')
  t.is(mib(-1024 * 1024, true), '-1.0 MiB')
  t.is(duration(1234.4), '1234 ms')
  t.is(duration(12_345), '12.3 s')
  t.is(count(1234567), '1,234,567')
})
