// A plain node:http client for tests that compare mgnode with node:http.
import http from 'node:http'

/**
 * One request on a fresh connection; resolves with status, headers and the
 * whole body. A `body` array is sent as several writes without a
 * Content-Length, i.e. as a chunked request body.
 */
export function request(port, { path = '/', method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks = []
      res.on('data', (d) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    if (Array.isArray(body)) {
      for (const part of body) req.write(part)
      req.end()
    } else {
      req.end(body)
    }
  })
}
