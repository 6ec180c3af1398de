// Reads two outcomes of one vector (node:http's, the reference, and mgnode's)
// and says how they differ. The table script and the test share these rules.

/** Final (non-1xx) responses of an outcome. */
const finals = (outcome) => outcome.statuses.filter((s) => s >= 200)
const firstError = (outcome) => outcome.statuses.find((s) => s >= 400)

/**
 * True when the server refused something: it answered with an error status,
 * or it closed the connection without handing the app any request.
 */
export function refuses(outcome) {
  if (firstError(outcome) !== undefined) return true
  return outcome.end !== 'open' && outcome.seen.length === 0
}

/** An outcome on one line: statuses, how the connection ended, what the app saw. */
export function describe(outcome) {
  const statuses = outcome.statuses.length ? outcome.statuses.join(' ') : 'no response'
  const end = outcome.end === 'open' ? (finals(outcome).length === 0 ? 'waits' : 'open') : outcome.end
  const seen = outcome.seen.map((e) => `${e.line}${e.bytes ? `+${e.bytes}` : ''}${e.complete ? '' : ' (unfinished)'}`)
  const problem = outcome.problem ? `; ${outcome.problem}` : ''
  return `${statuses}, ${end}${problem}; app: ${seen.length ? seen.join(', ') : 'nothing'}`
}

/**
 * The rules mgnode must keep against node:http on one vector. Returns the
 * broken ones as `{ rule, detail }`; `allowed` names rules to skip.
 */
export function violations(node, mg, allowed = []) {
  const out = []
  const push = (rule, detail) => {
    if (!allowed.includes(rule)) out.push({ rule, detail })
  }
  if (refuses(node)) {
    const nodeStatus = firstError(node)
    const mgStatus = firstError(mg)
    if (!refuses(mg)) push('refuses', 'node:http refuses, mgnode does not')
    else if (nodeStatus !== undefined && mgStatus !== nodeStatus) {
      push('status', `node:http answers ${nodeStatus}, mgnode ${mgStatus ?? 'no error status'}`)
    }
    if (node.end !== 'open' && mg.end === 'open') push('closes', 'node:http closes the connection, mgnode keeps it open')
  }
  // Every request the app sees must be one node:http's app saw too, with the same body.
  const nodeSeen = node.seen.map((e) => ({ ...e, used: false }))
  for (const entry of mg.seen) {
    const match = nodeSeen.find((e) => !e.used && e.line === entry.line)
    if (!match) {
      push('smuggled', `mgnode's app sees ${entry.line}, node:http's does not`)
      continue
    }
    match.used = true
    if (match.complete && entry.complete && match.bytes !== entry.bytes) {
      push('body', `${entry.line}: body of ${entry.bytes} bytes on mgnode, ${match.bytes} on node:http`)
    }
  }
  if (finals(mg).length < finals(node).length && mg.end === 'open') {
    push('waits', `node:http sends ${finals(node).length} final response(s), mgnode ${finals(mg).length} and waits`)
  }
  return out
}

/** What the client sees of an outcome: statuses and the end, not the app's view. */
const clientView = (outcome) => describe({ ...outcome, seen: outcome.seen.filter((e) => e.complete) })

/** A few words on how mgnode compares with node:http on a vector. */
export function verdict(node, mg) {
  if (describe(node) === describe(mg)) return 'same'
  const broken = new Set(violations(node, mg).map((v) => v.rule))
  if (['refuses', 'closes', 'smuggled', 'body'].some((r) => broken.has(r))) return 'mgnode laxer'
  if (broken.has('waits')) return 'mgnode waits where node answers'
  if (broken.has('status')) return 'mgnode refuses with another status'
  if (refuses(node) && refuses(mg)) return 'same refusal'
  if (refuses(mg)) return 'mgnode stricter'
  // node:http hands the app a request before its body; mgnode only once the body is whole.
  if (clientView(node) === clientView(mg)) return 'same to the client'
  if (mg.seen.length < node.seen.length) return 'mgnode stricter'
  return 'differs'
}
