'use strict'
// Scenarios 12-14: hello world on mgnode's Manager API over HTTPS (and,
// flooded, plain HTTP on the same manager).
const { HOST, main, mgnode, port, announce, announceTls, tlsFiles, flooded, onStop } = require('./_common')
const { HELLO } = require('./apps/payloads')

const HEADERS = { 'content-type': 'text/plain' }
const hello = (req, reply) => reply.send(200, HEADERS, HELLO)

main(async () => {
  const { Manager } = mgnode('Manager')
  const mgr = new Manager()
  onStop(() => mgr.close())
  const tls = tlsFiles()
  if (flooded()) {
    const secure = await mgr.listen(`https://${HOST}:0`, hello, { tls })
    announceTls(secure.localAddr[1])
    const plain = await mgr.listen(`http://${HOST}:${port()}`, hello)
    announce(plain.localAddr[1])
  } else {
    const secure = await mgr.listen(`https://${HOST}:${port()}`, hello, { tls })
    announce(secure.localAddr[1])
  }
})
