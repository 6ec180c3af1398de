// The app of the worker-crash check: answers 'ok', except that every
// STRESS_CRASH_EVERY-th request a worker gets (500 by default) kills it with
// an uncaught exception outside the request, leaving that request unanswered.
const every = Number(process.env.STRESS_CRASH_EVERY) || 500
let seen = 0

module.exports = (req, res) => {
  if (++seen % every === 0) {
    setImmediate(() => {
      throw new Error('deliberate crash under load')
    })
    return
  }
  res.end('ok')
}
