/**
 * `CloseSignal`: tells every thread that serves a manager's listeners that a
 * graceful close began. From then on the engine closes each connection after
 * its response, so a response whose head is written later must say
 * `Connection: close`, or a keep-alive client sends its next request into a
 * connection that is about to close, and that request is lost.
 *
 * A flag in shared memory rather than a message: a worker busy in a handler
 * sees it the moment the main thread raises it, not once it reads its port.
 */
export class CloseSignal {
  /** The shared memory, to hand to worker threads. */
  readonly buffer: SharedArrayBuffer
  readonly #flag: Int32Array

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer
    this.#flag = new Int32Array(buffer)
  }

  /** True once `raise()` was called on any thread sharing the buffer. */
  get raised(): boolean {
    return Atomics.load(this.#flag, 0) !== 0
  }

  raise(): void {
    Atomics.store(this.#flag, 0, 1)
  }
}
