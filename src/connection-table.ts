/**
 * `ConnectionTable`: what one JavaScript thread keeps per connection, by
 * connection id — the unfinished replies (so that the engine's drain and
 * close events reach them), node:http's socket objects.
 *
 * Every request adds a reply and removes it again a moment later. A `Map`
 * kept for the server's life lives in the old generation, and V8 rebuilds its
 * hash table in the generation of the table it replaces each time it grows
 * or shrinks: a batch of requests filling and emptying a `Map` left old-space
 * garbage behind on every batch, enough to force a Mark-Compact every few
 * seconds (measured in bench/README.md, "Design measurements"). Here a connection's entry sits in the slot its id
 * picks, and slots are never reallocated; an id whose slot is still taken (by
 * a long-running reply, by a long-lived connection) waits in a small `Map` beside.
 */

/** Power of two: a slot is the id's low bits. 4,096 slots cost 32 KiB a table. */
const SLOTS = 4096
const MASK = SLOTS - 1

/** What the table needs of an entry: the connection it belongs to. */
interface Filed {
  readonly connId: number
}

/**
 * One entry per connection. (A connection has at most one unfinished reply:
 * the engine hands over its next pipelined request once the last response is
 * complete.)
 */
export class ConnectionTable<R extends Filed> {
  readonly #slots: Array<R | undefined> = new Array<R | undefined>(SLOTS).fill(undefined)
  /** Entries whose slot was taken by another connection's when they were filed. */
  readonly #overflow = new Map<number, R>()
  #size = 0

  /** How many connections have an entry. */
  get size(): number {
    return this.#size
  }

  /** Files `entry` under its connection id, in place of the connection's last. */
  add(entry: R): void {
    const slot = entry.connId & MASK
    const current = this.#slots[slot]
    if (current === undefined || current.connId === entry.connId) {
      if (current === undefined) this.#size++
      this.#slots[slot] = entry
    } else {
      if (!this.#overflow.has(entry.connId)) this.#size++
      this.#overflow.set(entry.connId, entry)
    }
  }

  /** The entry for connection `connId`, if any. */
  get(connId: number): R | undefined {
    const current = this.#slots[connId & MASK]
    if (current !== undefined && current.connId === connId) return current
    return this.#overflow.size === 0 ? undefined : this.#overflow.get(connId)
  }

  /** Forgets `entry`; a later one filed for its connection stays. */
  remove(entry: R): void {
    const slot = entry.connId & MASK
    if (this.#slots[slot] === entry) this.#slots[slot] = undefined
    else if (this.#overflow.get(entry.connId) === entry) this.#overflow.delete(entry.connId)
    else return
    this.#size--
  }

  /** A snapshot of every entry, safe to use while they are removed. */
  list(): R[] {
    const all: R[] = []
    for (const entry of this.#slots) if (entry !== undefined) all.push(entry)
    for (const entry of this.#overflow.values()) all.push(entry)
    return all
  }
}
