// A fuzz of random and mutated requests (lib/fuzz-gen.mjs, seeded), each on
// a connection of its own, sometimes sent in pieces. The server must not
// crash, and its app must be handed exactly the requests node:http's app is
// handed for the same bytes: a request one server sees and the other does
// not means they frame the bytes differently, which is what request
// smuggling feeds on. Requests hidden in bodies (`/s<id>`) are counted apart.
// One difference is by design: node:http hands a request to its app when
// its head is read, mgnode once its body (up to 256 KiB) is complete, so a
// request whose body is malformed reaches only node:http's app. That one is
// counted apart too, not as a framing difference, as are requests node:http
// accepts and mgnode refuses with a 4xx (HTTP/2.0 or HTTP/0.9-like request
// lines): stricter, not fooled.
import { collect, connect, get, pool, writeParts } from '../lib/client.mjs'
import { firstRequest, generate } from '../lib/fuzz-gen.mjs'
import { statusCodes } from '../lib/http-response.mjs'
import { startHttpServer } from '../lib/server.mjs'
import { count } from '../lib/table.mjs'

const AT_ONCE = 64
/** Silence after the last byte received that ends an input. */
const QUIET_MS = 150
/** Longest an input may take; a server that neither answered nor closed by then waits for more bytes. */
const MAX_MS = 600
const PIECE_GAP_MS = 20

/** Sends one input; what came back: statuses, whether the server closed, whether it was still waiting. */
async function send(port, input) {
  const startedAt = Date.now()
  let socket
  try {
    socket = await connect(port, { timeoutMs: 3000 })
  } catch (err) {
    return { connectError: err.code ?? err.message }
  }
  const reply = collect(socket, { quietMs: QUIET_MS, maxMs: MAX_MS })
  const cuts = [0, ...input.splits, input.bytes.length]
  const parts = cuts.slice(1).map((end, i) => input.bytes.subarray(cuts[i], end))
  const clientPort = socket.localPort
  await writeParts(socket, parts, PIECE_GAP_MS)
  const got = await reply
  socket.destroy()
  const statuses = statusCodes(got.data)
  // An interim answer (100 Continue) still leaves the server waiting for the body.
  return { port: clientPort, startedAt, statuses, closed: got.closed, waiting: !got.closed && !statuses.some((s) => s >= 200) }
}

/**
 * What the app was handed, by input id: sorted "METHOD url" lists. Each
 * input has a connection of its own, known by its client port; a port comes
 * back for a later input once the server closed the earlier one, so a
 * request belongs to the last input on its port that started before it.
 */
function seenByInput(seen, outcomes) {
  const onPort = new Map()
  outcomes.forEach((o, id) => {
    if (o.port === undefined) return
    if (!onPort.has(o.port)) onPort.set(o.port, [])
    onPort.get(o.port).push({ id, startedAt: o.startedAt })
  })
  for (const inputs of onPort.values()) inputs.sort((a, b) => a.startedAt - b.startedAt)
  const by = new Map()
  let unattributed = 0
  for (const line of seen) {
    const [port, time] = line.split(' ', 2)
    const rest = line.slice(port.length + time.length + 2)
    let id
    for (const input of onPort.get(Number(port)) ?? []) if (input.startedAt <= Number(time)) id = input.id
    if (id === undefined) {
      unattributed++
      continue
    }
    if (!by.has(id)) by.set(id, [])
    by.get(id).push(rest)
  }
  for (const list of by.values()) list.sort()
  return { by, unattributed }
}

/** Lines of `a` not matched in `b` (multisets, both sorted). */
function extra(a = [], b = []) {
  const left = [...b]
  return a.filter((x) => {
    const i = left.indexOf(x)
    if (i < 0) return true
    left.splice(i, 1)
    return false
  })
}

export const fuzz = {
  id: 'fuzz',
  title: 'Fuzz: 10,000 random and mutated requests (seeded), one connection each',
  async run(target, ctx) {
    const n = ctx.quick ? 1000 : 10_000
    const server = await startHttpServer(target, { record: true })
    try {
      const outcomes = await pool(n, AT_ONCE, (id) => send(server.port, generate(ctx.seed, id)))
      const alive = server.alive()
      // What the app saw, before the health check adds its own request.
      const stats = alive ? await server.stats(true) : { seen: [] }
      const health = alive ? await get(server.port, '/') : { error: 'dead' }
      const { by, unattributed } = seenByInput(stats.seen, outcomes)
      const hidden = stats.seen.filter((line) => / \/s\d/.test(line)).length
      const answered = outcomes.filter((o) => o.statuses?.length > 0).length
      const closedUnanswered = outcomes.filter((o) => o.closed && o.statuses.length === 0).length
      const waiting = outcomes.filter((o) => o.waiting).length
      const connectErrors = outcomes.filter((o) => o.connectError).length
      const crashed = !alive || health.status !== 200
      return {
        inputs: n,
        seed: ctx.seed,
        crashed,
        exit: crashed ? await Promise.race([server.exited, Promise.resolve(null)]) : null,
        answered,
        closedUnanswered,
        waiting,
        connectErrors,
        requestsSeen: stats.seen.length,
        hiddenSeen: hidden,
        unattributed,
        _outcomes: outcomes,
        _seen: by,
        cell:
          `${crashed ? 'CRASHED; ' : 'no crash; '}${count(answered)} answered, ${count(closedUnanswered)} closed unanswered, ` +
          `${count(waiting)} waiting for more; the app saw ${count(stats.seen.length)} requests, ${hidden} of them hidden in a body`,
      }
    } finally {
      await server.stop()
    }
  },
  verdict(mg, node) {
    if (mg.crashed) return { ok: false, why: 'mgnode crashed' }
    const mgOnly = []
    const nodeOnly = []
    const nodeEarly = []
    const mgStricter = []
    const mgWaits = []
    for (let id = 0; id < mg.inputs; id++) {
      if (extra(mg._seen.get(id), node._seen.get(id)).length > 0) mgOnly.push(id)
      const onlyNode = extra(node._seen.get(id), mg._seen.get(id))
      if (onlyNode.length === 1 && onlyNode[0] === firstRequest(generate(mg.seed, id).bytes)) nodeEarly.push(id)
      else if (onlyNode.length > 0 && mg._outcomes[id].statuses?.some((s) => s >= 400 && s < 500)) mgStricter.push(id)
      else if (onlyNode.length > 0) nodeOnly.push(id)
      if (mg._outcomes[id].waiting && !node._outcomes[id].waiting) mgWaits.push(id)
    }
    const example = (id) => ({
      id,
      input: generate(mg.seed, id).bytes.toString('latin1'),
      mgnode: mg._seen.get(id) ?? [],
      node: node._seen.get(id) ?? [],
      statuses: { mgnode: mg._outcomes[id].statuses, node: node._outcomes[id].statuses },
    })
    const details = {
      mgnodeOnly: mgOnly.length,
      nodeOnly: nodeOnly.length,
      nodeDispatchedBeforeBadBody: nodeEarly.length,
      mgnodeRefusedWhatNodeAccepted: mgStricter.length,
      mgnodeWaitsWhereNodeAnswered: mgWaits.length,
      examples: [...mgOnly, ...nodeOnly, ...mgWaits, ...mgStricter].slice(0, 12).map(example),
    }
    if (mgOnly.length > 0) return { ok: false, why: `on ${mgOnly.length} inputs mgnode's app saw a request node:http's did not`, details }
    if (nodeOnly.length > 0) return { ok: false, why: `on ${nodeOnly.length} inputs node:http's app saw a request mgnode's did not`, details }
    if (mgWaits.length > 0) return { ok: false, why: `${mgWaits.length} inputs left waiting that node:http answered`, details }
    const note =
      `no request reached mgnode's app only; ${mgStricter.length} refused that node:http accepted, ` +
      `${nodeEarly.length} handed to node:http's app before their body proved bad`
    return { ok: true, note, details }
  },
}
