/**
 * Completes a lazy stand-in for a WHATWG class (`Request`, `Response`): every
 * accessor and method of the real prototype that the stand-in does not define
 * itself is forwarded to the real object, which is built on first use.
 */

type Real = Record<PropertyKey, unknown>

/**
 * Adds forwarding accessors and methods to `standIn` (a prototype) for what
 * `realProto` has and `standIn` lacks. `sample` is one real instance: the
 * symbol-keyed slots undici keeps on each instance are forwarded as well, so
 * that undici itself accepts a stand-in (`new Request(standIn)`, `fetch(standIn)`).
 */
export function forwardMissing(standIn: object, realProto: object, sample: object, realOf: (self: object) => object): void {
  for (const key of Reflect.ownKeys(realProto)) {
    if (key === 'constructor' || Object.prototype.hasOwnProperty.call(standIn, key)) continue
    const desc = Object.getOwnPropertyDescriptor(realProto, key)
    if (desc === undefined) continue
    if (typeof desc.get === 'function') {
      Object.defineProperty(standIn, key, {
        configurable: true,
        enumerable: desc.enumerable,
        get(this: object) {
          return (realOf(this) as Real)[key]
        },
        set:
          typeof desc.set === 'function'
            ? function (this: object, value: unknown) {
                ;(realOf(this) as Real)[key] = value
              }
            : undefined,
      })
    } else if (typeof desc.value === 'function') {
      Object.defineProperty(standIn, key, {
        configurable: true,
        writable: true,
        enumerable: desc.enumerable,
        value: function (this: object, ...args: unknown[]): unknown {
          const real = realOf(this) as Real
          return (real[key] as (...a: unknown[]) => unknown).apply(real, args)
        },
      })
    }
    // Plain data (Symbol.toStringTag) is inherited through the prototype chain as is.
  }
  for (const sym of Object.getOwnPropertySymbols(sample)) {
    if (sym in standIn) continue
    // Node's internals also assign these slots, so they forward writes too.
    Object.defineProperty(standIn, sym, {
      configurable: true,
      get(this: object) {
        return (realOf(this) as Real)[sym]
      },
      set(this: object, value: unknown) {
        ;(realOf(this) as Real)[sym] = value
      },
    })
  }
}

/** `util.inspect` shows the real object rather than a stand-in's private slots. */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom')
