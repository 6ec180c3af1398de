/**
 * `PropertyPresets`: gives each request and response, before the app sees
 * them, the own properties the app was seen to add to them.
 *
 * Why: Express swaps the prototypes of `req` and `res` (`Object.setPrototypeOf`).
 * V8 then gives the object a hidden class of its own branch, from which
 * property additions are not shared: every property added after the swap
 * (Express's `req.params`, `res.locals`, node:http's own `res.statusCode` in
 * `writeHead`) builds fresh hidden classes for that one object, in old space.
 * Measured on node:http, swapping `res`'s prototype alone halves a hello
 * world's throughput; Express allocated 24 KB per request, 7 KB of it
 * surviving into old space. With those properties present before the swap,
 * nothing is added after it and every request shares the same classes.
 *
 * A key is given the value it reads as at that moment (`obj[key] = obj[key]`),
 * so reads do not change. Only keys that end up as plain data properties are
 * learnt, and only if neither the original nor the swapped-in prototype chain
 * has an accessor or read-only property for them and both read the same value.
 * Apps that never swap a prototype (Koa, Fastify, plain listeners) are not
 * touched: V8 shares their added properties anyway. What an app that swaps
 * can tell: `Object.keys(req)` and `'params' in req` show the learnt keys
 * (their value `undefined` or the prototype's) from the start.
 */

/** Exchanges the first keys are learnt from; after that one in `SAMPLE_EVERY`. */
const LEARN_FIRST = 32
const SAMPLE_EVERY = 256
/** At most this many keys learnt (and refused) per object, against apps that add ever-new keys. */
const MAX_KEYS = 64

interface Lookup {
  /** No accessor or read-only property stands in the way. */
  settable: boolean
  /** What reading the key gives (undefined where nothing on the chain has it). */
  value: unknown
}

/** What a plain assignment of `key` would meet along `proto`'s chain. */
function lookup(proto: object | null, key: PropertyKey): Lookup {
  for (let o = proto; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, key)
    if (d === undefined) continue
    const settable = 'value' in d && d.writable === true
    return { settable, value: settable ? d.value : undefined }
  }
  return { settable: true, value: undefined }
}

/** True if `key`, added to `obj` by the app, may be created up front next time. */
function presettable(obj: object, key: PropertyKey, originalProto: object | null): boolean {
  const own = Object.getOwnPropertyDescriptor(obj, key)
  if (own === undefined || !('value' in own) || !own.writable || !own.enumerable || !own.configurable) return false
  const now = lookup(Object.getPrototypeOf(obj) as object | null, key)
  const before = lookup(originalProto, key)
  return now.settable && before.settable && Object.is(now.value, before.value)
}

/** The keys learnt for one kind of object (requests, or responses). */
class LearntKeys {
  readonly keys: PropertyKey[] = []
  /** Keys seen added but not presettable: not checked again. */
  readonly #refused = new Set<PropertyKey>()

  /**
   * Learns the keys added to `obj` since it had `before`, if the app swapped
   * its prototype: without a swap V8 shares added properties across objects
   * anyway, and the object is left exactly as node:http would have it.
   */
  learn(obj: object, before: PropertyKey[], originalProto: object | null): void {
    if (Object.getPrototypeOf(obj) === originalProto || this.keys.length >= MAX_KEYS) return
    const had = new Set(before)
    for (const key of Reflect.ownKeys(obj)) {
      if (had.has(key) || this.#refused.has(key) || this.keys.includes(key)) continue
      if (!presettable(obj, key, originalProto)) {
        if (this.#refused.size < MAX_KEYS) this.#refused.add(key)
        continue
      }
      this.keys.push(key)
      if (this.keys.length >= MAX_KEYS) return
    }
  }

  /** Creates the learnt keys on `obj`, each with the value it reads as now. */
  preset(obj: object): void {
    const keys = this.keys
    const o = obj as Record<PropertyKey, unknown>
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      if (!Object.prototype.hasOwnProperty.call(o, key)) o[key] = o[key]
    }
  }
}

export class PropertyPresets {
  readonly #req = new LearntKeys()
  readonly #res = new LearntKeys()
  #seen = 0

  /**
   * Gives a new request/response pair the keys learnt so far. Returns a
   * sample to `learn` from when the response finishes, or null when this
   * exchange is not one to learn from.
   */
  apply(req: object, res: object): PresetSample | null {
    this.#req.preset(req)
    this.#res.preset(res)
    const n = this.#seen++
    if (n >= LEARN_FIRST && n % SAMPLE_EVERY !== 0) return null
    return new PresetSample(this.#req, this.#res, req, res)
  }
}

/** A request/response pair as handed to the app: its own keys and prototypes, to learn from. */
export class PresetSample {
  readonly #reqLearnt: LearntKeys
  readonly #resLearnt: LearntKeys
  readonly #reqKeys: PropertyKey[]
  readonly #resKeys: PropertyKey[]
  readonly #reqProto: object | null
  readonly #resProto: object | null

  constructor(reqLearnt: LearntKeys, resLearnt: LearntKeys, req: object, res: object) {
    this.#reqLearnt = reqLearnt
    this.#resLearnt = resLearnt
    this.#reqKeys = Reflect.ownKeys(req)
    this.#resKeys = Reflect.ownKeys(res)
    this.#reqProto = Object.getPrototypeOf(req) as object | null
    this.#resProto = Object.getPrototypeOf(res) as object | null
  }

  /** Learns the keys the app added to the pair since; call when its response finishes. */
  learn(req: object, res: object): void {
    this.#reqLearnt.learn(req, this.#reqKeys, this.#reqProto)
    this.#resLearnt.learn(res, this.#resKeys, this.#resProto)
  }
}
