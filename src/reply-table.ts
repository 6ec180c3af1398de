/**
 * `ReplyTable`: one JavaScript thread's unfinished replies, by connection id,
 * so that the engine's drain and close events reach them.
 *
 * Every request adds an entry and removes it again a moment later. A `Map`
 * kept for the server's life lives in the old generation, and V8 rebuilds its
 * hash table in the generation of the table it replaces each time it grows
 * or shrinks: a batch of requests filling and emptying a `Map` left old-space
 * garbage behind on every batch, enough to force a Mark-Compact every few
 * seconds (Koa: old space climbed from 9 to 40 MB between them, peak RSS about
 * 30 MiB above node:http's). Here a connection's reply sits in the slot its id
 * picks, and slots are never reallocated; an id whose slot is still taken by a
 * long-running reply (a stream, a slow handler) waits in a small `Map` beside.
 */
import type { Reply } from './reply'

/** Power of two: a slot is the id's low bits. 4,096 slots cost 32 KiB per thread. */
const SLOTS = 4096
const MASK = SLOTS - 1

/** What the table needs of a reply: the id it was filed under. */
type Filed = Pick<Reply, 'connId'>

/**
 * A connection has at most one unfinished reply: the engine hands over a
 * connection's next pipelined request once the last response is complete.
 */
export class ReplyTable<R extends Filed = Reply> {
  readonly #slots: Array<R | undefined> = new Array<R | undefined>(SLOTS).fill(undefined)
  /** Replies whose slot was taken by another connection's when they were filed. */
  readonly #overflow = new Map<number, R>()

  /** Files `reply` under its connection id. */
  add(reply: R): void {
    const slot = reply.connId & MASK
    const current = this.#slots[slot]
    if (current === undefined || current.connId === reply.connId) this.#slots[slot] = reply
    else this.#overflow.set(reply.connId, reply)
  }

  /** The unfinished reply on connection `connId`, if any. */
  get(connId: number): R | undefined {
    const current = this.#slots[connId & MASK]
    if (current !== undefined && current.connId === connId) return current
    return this.#overflow.size === 0 ? undefined : this.#overflow.get(connId)
  }

  /** Forgets `reply` (it finished); a later reply filed for its connection stays. */
  remove(reply: R): void {
    const slot = reply.connId & MASK
    if (this.#slots[slot] === reply) this.#slots[slot] = undefined
    else if (this.#overflow.get(reply.connId) === reply) this.#overflow.delete(reply.connId)
  }

  /** A snapshot of every unfinished reply, safe to use while they finish. */
  list(): R[] {
    const all: R[] = []
    for (const reply of this.#slots) if (reply !== undefined) all.push(reply)
    for (const reply of this.#overflow.values()) all.push(reply)
    return all
  }
}
