/**
 * `LineBatcher`: gathers whole log lines and hands them on together once per
 * turn of the event loop (or sooner when many pile up). One write per turn
 * instead of one per request; and since only whole lines are handed on, a
 * single writer downstream never splits one.
 */

/** Pending text that is handed on at once rather than at the end of the turn. */
const FLUSH_AT = 64 * 1024

export class LineBatcher {
  #out: (text: string) => void
  #lines: string[] = []
  #size = 0
  #scheduled = false
  #flush = (): void => this.flush()

  constructor(out: (text: string) => void) {
    this.#out = out
  }

  /** Adds `text`, one or more lines each ending in "\n". */
  write(text: string): void {
    this.#lines.push(text)
    this.#size += text.length
    if (this.#size >= FLUSH_AT) this.flush()
    else if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#flush)
    }
  }

  /** Hands on everything gathered so far. */
  flush(): void {
    this.#scheduled = false
    if (this.#lines.length === 0) return
    const text = this.#lines.length === 1 ? this.#lines[0] : this.#lines.join('')
    this.#lines = []
    this.#size = 0
    this.#out(text)
  }
}
