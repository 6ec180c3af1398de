// The public types, as a strict TypeScript user meets them: __test__/types/consumer.ts
// must compile with `tsc --strict`, including the lines the types must refuse
// (each under a @ts-expect-error, which is itself an error if nothing fails there).
import test from 'ava'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))

test('a strict TypeScript consumer compiles: apps, options, http.Server stand-in, Fastify, ws; wrong uses are refused', async (t) => {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
  const run = promisify(execFile)
  const result = await run(process.execPath, [tsc, '-p', '__test__/types/tsconfig.json'], { cwd: root }).then(
    () => ({ ok: true, output: '' }),
    (err) => ({ ok: false, output: `${err.stdout}${err.stderr}` }),
  )
  t.true(result.ok, result.output)
})
