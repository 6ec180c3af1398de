#!/usr/bin/env node
// Prints the framing table: every vector of __test__/framing/vectors.mjs run
// against node:http and mgnode, with a verdict per row.
//
//   npm run framing                      # markdown table on stdout
//   npm run framing -- --write           # also rewrite docs/framing.md
//   npm run framing -- --repeat 2        # run each side twice; fail if a run differs
//   npm run framing -- --only cs-empty,cd-blank-between
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { createServer } from '../dist/index.js'
import vectors from '../__test__/framing/vectors.mjs'
import { runVectors } from '../__test__/framing/harness.mjs'
import { describe, verdict } from '../__test__/framing/compare.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const { values } = parseArgs({
  options: {
    write: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    only: { type: 'string' },
    concurrency: { type: 'string', default: '6' },
  },
})
const only = values.only ? new Set(values.only.split(',')) : null
const selected = only ? vectors.filter((v) => only.has(v.id)) : vectors
const repeat = Number(values.repeat)
const concurrency = Number(values.concurrency)

const sides = { 'node:http': http.createServer, mgnode: createServer }

/** Runs every side `repeat` times; returns the first run per side and the ids whose runs disagree. */
async function runSides() {
  const first = {}
  const unstable = new Set()
  for (let round = 0; round < repeat; round++) {
    for (const [name, factory] of Object.entries(sides)) {
      const results = await runVectors(factory, selected, { concurrency })
      if (!first[name]) {
        first[name] = results
        continue
      }
      for (const [id, outcome] of results) {
        const before = describe(first[name].get(id))
        if (describe(outcome) !== before) {
          unstable.add(id)
          console.error(`unstable on ${name}: ${id}\n  run 1: ${before}\n  run ${round + 1}: ${describe(outcome)}`)
        }
      }
    }
  }
  return { results: first, unstable }
}

/** Makes text safe inside a markdown table cell. */
function cell(text) {
  return text
    .replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/\|/g, '\\|')
}

function table(results) {
  const rows = ['| id | what the request does | RFC / class | node:http | mgnode | verdict |', '|---|---|---|---|---|---|']
  const counts = {}
  for (const vector of selected) {
    const node = results['node:http'].get(vector.id)
    const mg = results.mgnode.get(vector.id)
    const word = verdict(node, mg)
    counts[word] = (counts[word] ?? 0) + 1
    rows.push(`| ${vector.id} | ${cell(vector.description)} | ${cell(vector.ref)} | ${cell(describe(node))} | ${cell(describe(mg))} | ${word} |`)
  }
  return { markdown: rows.join('\n'), counts }
}

const { results, unstable } = await runSides()
const { markdown, counts } = table(results)
const summary = Object.entries(counts)
  .sort((a, b) => b[1] - a[1])
  .map(([word, n]) => `${word}: ${n}`)
  .join(', ')
console.log(markdown)
console.log(`\n${selected.length} vectors. ${summary}.`)

if (values.write) {
  const file = path.join(root, 'docs', 'framing.md')
  const date = new Date().toISOString().slice(0, 10)
  let commit = 'an unknown commit'
  try {
    commit = `commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()}`
  } catch {
    // Not a git checkout: the date and Node version still say when.
  }
  const intro = fs.readFileSync(file, 'utf8').split('<!-- table -->')[0]
  const body = `<!-- table -->\nGenerated on ${date} at ${commit} with Node.js ${process.version}. ${selected.length} vectors. ${summary}.\n\n${markdown}\n`
  fs.writeFileSync(file, intro + body)
  console.error(`wrote ${path.relative(root, file)}`)
}
if (unstable.size) {
  console.error(`${unstable.size} vector(s) gave different outcomes across runs: ${[...unstable].join(', ')}`)
  process.exitCode = 1
}
