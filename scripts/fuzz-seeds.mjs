// Writes the framing vectors (__test__/framing/vectors.mjs) as seed inputs
// for the fuzz targets: node scripts/fuzz-seeds.mjs <corpus folder>.
// Each seed starts with a 0 byte (the split seed), then the vector's bytes;
// chunked bodies also seed the decoder's own corpus from their body part.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

import vectors from '../__test__/framing/vectors.mjs'

const out = path.resolve(process.argv[2] ?? 'crates/mgnode/fuzz/corpus')

function seed(target, bytes) {
  const dir = path.join(out, target)
  fs.mkdirSync(dir, { recursive: true })
  const data = Buffer.concat([Buffer.from([0]), bytes])
  const name = 'vector-' + crypto.createHash('sha1').update(data).digest('hex').slice(0, 16)
  fs.writeFileSync(path.join(dir, name), data)
}

let written = 0
for (const v of vectors) {
  const bytes = Buffer.from(v.bytes ?? v.parts.join(''), 'latin1')
  seed('request_parser', bytes)
  const headEnd = bytes.indexOf('\r\n\r\n')
  if (/transfer-encoding: *chunked/i.test(bytes.toString('latin1')) && headEnd >= 0) {
    seed('chunked', bytes.subarray(headEnd + 4))
  }
  written++
}
console.log(`fuzz seeds: ${written} vectors into ${out}`)
