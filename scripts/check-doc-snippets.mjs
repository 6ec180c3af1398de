// Runs every ```js block of the given Markdown files as a program of its own,
// to show the docs' snippets run as written:
//
//   node scripts/check-doc-snippets.mjs docs/api.md docs/api/*.md README.md
//
// Each block is saved under target/doc-snippets/ (inside this package, so
// `require('mgnode')` resolves to it through its `exports`) as CommonJS, or as
// an ES module when it has `import ... from` lines. A block whose first line is
// `// name.js` is saved under that name, for snippets that load each other. The
// folder also holds cert.pem/key.pem (and wildcard-*.pem, ca.pem), made with
// openssl, for the TLS snippets. A snippet passes if it exits with code 0, or
// if it is still running (serving) after the wait and then stops on SIGTERM;
// either way with nothing on stderr.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = path.join(root, 'target', 'doc-snippets')
/** How long a snippet that is still running is left to serve before SIGTERM. */
const WAIT_MS = 4000

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: node scripts/check-doc-snippets.mjs <file.md>...')
  process.exit(2)
}

fs.rmSync(dir, { recursive: true, force: true })
fs.mkdirSync(dir, { recursive: true })
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2']
openssl('req', '-x509', ...p256, '-keyout', 'key.pem', '-out', 'cert.pem', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1')
openssl('req', '-x509', ...p256, '-keyout', 'wildcard-key.pem', '-out', 'wildcard-cert.pem', '-subj', '/CN=*.example.com')
fs.copyFileSync(path.join(dir, 'cert.pem'), path.join(dir, 'ca.pem'))

/** Runs one saved snippet; resolves with whether it passed and what it did. */
function run(name) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [name], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    let stopped = false
    const timer = setTimeout(() => {
      stopped = true
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref()
    }, WAIT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const ended = code === 0 || (stopped && signal === 'SIGTERM')
      const how = stopped ? `served until SIGTERM, then ${signal ?? `code ${code}`}` : `exited with code ${code}`
      resolve({ ok: ended && stderr.trim() === '', how, stdout, stderr })
    })
  })
}

let failed = 0
let count = 0
for (const file of files) {
  const blocks = [...fs.readFileSync(file, 'utf8').matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1])
  for (let i = 0; i < blocks.length; i++) {
    const code = blocks[i]
    const named = /^\/\/ ([\w.-]+\.[cm]?js)\n/.exec(code)
    const esm = /^import .+ from /m.test(code)
    const name = named ? named[1] : `${path.basename(file, '.md')}-${i + 1}.${esm ? 'mjs' : 'js'}`
    fs.writeFileSync(path.join(dir, name), code)
    const result = await run(name)
    count++
    if (!result.ok) failed++
    const out = result.stdout.trim().replace(/\n/g, ' | ')
    console.log(`${result.ok ? 'ok  ' : 'FAIL'} ${file} block ${i + 1} (${name}): ${result.how}${out ? `; printed: ${out.slice(0, 120)}` : ''}`)
    if (!result.ok && result.stderr) console.log(result.stderr.trim().replace(/^/gm, '     '))
  }
}
console.log(failed === 0 ? `all ${count} snippets ran` : `${failed} of ${count} snippets failed`)
process.exitCode = failed === 0 ? 0 : 1
