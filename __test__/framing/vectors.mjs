// Framing vectors: raw request byte sequences that probe how a server finds
// where a request starts and ends (RFC 9112), plus the request-smuggling
// classes published by HTTP Garden and Http11Probe. Each vector is
// { id, group, ref, description, bytes } or, to make the server see the
// bytes in separate reads, { ..., parts: [bytes, bytes, ...] }.
// Strings are taken byte for byte (latin1), so '\xff' is the byte 0xff.
//
// A request that must never be served on its own is GET /smuggled; a
// legitimate pipelined follow-up is GET /next.

/** A request head: request line, field lines, and the empty line. */
const head = (line, ...fields) => `${line}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`

const HOST = 'Host: t'
const NEXT = head('GET /next HTTP/1.1', HOST)
const SMUGGLED = head('GET /smuggled HTTP/1.1', HOST)
const get = (...fields) => head('GET / HTTP/1.1', HOST, ...fields)
const post = (...fields) => head('POST /body HTTP/1.1', HOST, ...fields)
const chunkedPost = (...fields) => post('Transfer-Encoding: chunked', ...fields)
/** A whole chunked body carrying "hello". */
const HELLO = '5\r\nhello\r\n0\r\n\r\n'
/** A chunked body whose one chunk is the smuggled request: the TE.CL payload. */
const SMUGGLED_CHUNK = `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`
/** An empty chunked body followed by the smuggled request: the CL.TE payload. */
const LAST_THEN_SMUGGLED = `0\r\n\r\n${SMUGGLED}`

const vectors = []

/** Adds the `entries` ([id, ref, description, bytes or parts]) of one group. */
function group(name, entries) {
  for (const [id, ref, description, bytes] of entries) {
    const vector = { id, group: name, ref, description }
    if (Array.isArray(bytes)) vector.parts = bytes
    else vector.bytes = bytes
    vectors.push(vector)
  }
}

group('baseline', [
  ['base-get', 'RFC 9112 §3', 'plain GET, then a pipelined GET', get() + NEXT],
  ['base-cl', 'RFC 9112 §6.2', 'POST with Content-Length: 5, then a pipelined GET', post('Content-Length: 5') + 'hello' + NEXT],
  ['base-cl0', 'RFC 9112 §6.2', 'POST with Content-Length: 0, then a pipelined GET', post('Content-Length: 0') + NEXT],
  ['base-no-length', 'RFC 9112 §6.3', 'POST with neither Content-Length nor Transfer-Encoding has no body', post() + NEXT],
  ['base-chunked', 'RFC 9112 §7.1', 'chunked POST, then a pipelined GET', chunkedPost() + HELLO + NEXT],
  ['base-chunked-multi', 'RFC 9112 §7.1', 'several chunks, one with an upper-case hex size', chunkedPost() + '3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n' + NEXT],
  ['base-chunked-empty', 'RFC 9112 §7.1', 'chunked body with only the last chunk', chunkedPost() + '0\r\n\r\n' + NEXT],
  ['base-split-body', 'RFC 9112 §6.2', 'head and Content-Length body in separate writes', [post('Content-Length: 5'), 'hello' + NEXT]],
  ['base-split-chunk', 'RFC 9112 §7.1', 'chunk data split across writes', [chunkedPost() + '5\r\nhel', 'lo\r\n0\r\n\r\n' + NEXT]],
  ['base-split-crlf', 'RFC 9112 §7.1', 'CRLF after chunk data split across writes', [chunkedPost() + '5\r\nhello\r', '\n0\r\n\r\n' + NEXT]],
  ['base-leading-crlf', 'RFC 9112 §2.2', 'empty line before the request line (SHOULD be ignored)', '\r\n' + get()],
  ['base-leading-lf', 'RFC 9112 §2.2', 'bare LF before the request line', '\n' + get()],
  ['base-http10', 'RFC 9112 §9.3', 'HTTP/1.0 GET closes after the answer; the pipelined one is never read', head('GET / HTTP/1.0') + head('GET /next HTTP/1.0')],
  ['base-http10-keepalive', 'RFC 9112 §9.3', 'HTTP/1.0 with Connection: keep-alive, then another', head('GET / HTTP/1.0', 'Connection: keep-alive') + head('GET /next HTTP/1.0')],
  ['base-conn-close', 'RFC 9112 §9.6', 'Connection: close; the pipelined GET must not be served', get('Connection: close') + NEXT],
  ['base-head', 'RFC 9110 §9.3.2', 'HEAD, then a pipelined GET', head('HEAD / HTTP/1.1', HOST) + NEXT],
  ['base-pipeline-5', 'RFC 9112 §9.3.2', 'five pipelined GETs in one write', [1, 2, 3, 4, 5].map((n) => head(`GET /${n} HTTP/1.1`, HOST)).join('')],
])

group('request-line', [
  ['rl-lowercase-method', 'RFC 9110 §9.1', 'lower-case method "get" (methods are case-sensitive)', head('get / HTTP/1.1', HOST)],
  ['rl-unknown-method', 'RFC 9110 §9.1', 'unknown method FOO', head('FOO / HTTP/1.1', HOST)],
  ['rl-webdav-method', 'RFC 9110 §9.1', 'WebDAV method PROPFIND', head('PROPFIND / HTTP/1.1', HOST)],
  ['rl-query-method', 'RFC 9110 §9.1', 'QUERY method', head('QUERY / HTTP/1.1', HOST)],
  ['rl-long-method', 'RFC 9112 §3', 'a 64-character method', head(`${'A'.repeat(64)} / HTTP/1.1`, HOST)],
  ['rl-method-nontoken', 'RFC 9112 §3', 'method with a non-token character "{"', head('G{T / HTTP/1.1', HOST)],
  ['rl-double-space', 'RFC 9112 §3', 'two spaces between method and target', head('GET  / HTTP/1.1', HOST)],
  ['rl-tab-separator', 'RFC 9112 §3', 'tab instead of space between method and target', head('GET\t/ HTTP/1.1', HOST)],
  ['rl-leading-space', 'RFC 9112 §3', 'space before the method', head(' GET / HTTP/1.1', HOST)],
  ['rl-trailing-space', 'RFC 9112 §3', 'space after the version', head('GET / HTTP/1.1 ', HOST)],
  ['rl-missing-target', 'RFC 9112 §3', 'no request-target', head('GET HTTP/1.1', HOST)],
  ['rl-extra-word', 'RFC 9112 §3', 'an extra word between target and version', head('GET / x HTTP/1.1', HOST)],
  ['rl-target-space', 'RFC 9112 §3.2', 'space inside the target', head('GET /a b HTTP/1.1', HOST)],
  ['rl-target-nul', 'RFC 9112 §3.2', 'NUL in the target', head('GET /a\x00b HTTP/1.1', HOST)],
  ['rl-target-ctl', 'RFC 9112 §3.2', 'control character 0x01 in the target', head('GET /a\x01b HTTP/1.1', HOST)],
  ['rl-target-del', 'RFC 9112 §3.2', 'DEL in the target', head('GET /a\x7fb HTTP/1.1', HOST)],
  ['rl-target-tab', 'RFC 9112 §3.2', 'tab inside the target', head('GET /a\tb HTTP/1.1', HOST)],
  ['rl-target-utf8', 'RFC 9112 §3.2', 'raw UTF-8 bytes in the target', head('GET /caf\xc3\xa9 HTTP/1.1', HOST)],
  ['rl-target-latin1', 'RFC 9112 §3.2', 'raw byte 0xff in the target', head('GET /\xff HTTP/1.1', HOST)],
  ['rl-target-overlong', 'RFC 3629 §3', 'overlong UTF-8 "/" (0xc0 0xaf) in the target', head('GET /\xc0\xaf HTTP/1.1', HOST)],
  ['rl-target-fragment', 'RFC 9112 §3.2', 'fragment in the target', head('GET /a#frag HTTP/1.1', HOST)],
  ['rl-target-backslash', 'RFC 3986 §2', 'backslash in the target', head('GET /a\\b HTTP/1.1', HOST)],
  ['rl-target-pct-nul', 'RFC 9110 §5.5', 'percent-encoded NUL in the target (valid syntax)', head('GET /a%00b HTTP/1.1', HOST)],
  ['rl-target-pct-crlf', 'RFC 9110 §5.5', 'percent-encoded CRLF in the target (valid syntax)', head('GET /a%0d%0ab HTTP/1.1', HOST)],
  ['rl-absolute', 'RFC 9112 §3.2.2', 'absolute-form target', head('GET http://t/abs HTTP/1.1', HOST)],
  ['rl-absolute-other-host', 'RFC 9112 §3.2.2', 'absolute-form naming a host other than Host', head('GET http://other/abs HTTP/1.1', HOST)],
  ['rl-absolute-https', 'RFC 9112 §3.2.2', 'absolute-form https target', head('GET https://t/abs HTTP/1.1', HOST)],
  ['rl-asterisk-options', 'RFC 9112 §3.2.4', 'OPTIONS * (asterisk-form)', head('OPTIONS * HTTP/1.1', HOST)],
  ['rl-asterisk-get', 'RFC 9112 §3.2.4', 'asterisk-form with GET', head('GET * HTTP/1.1', HOST)],
  ['rl-authority-get', 'RFC 9112 §3.2.3', 'authority-form with GET', head('GET t:80 HTTP/1.1', HOST)],
  ['rl-connect', 'RFC 9112 §3.2.3', 'CONNECT, then a request in the would-be tunnel', head('CONNECT t:443 HTTP/1.1', 'Host: t:443') + SMUGGLED],
  ['rl-long-target', 'RFC 9112 §3', '20,000-byte target (past a 16 KiB head)', head(`GET /${'a'.repeat(20_000)} HTTP/1.1`, HOST)],
  ['rl-whitespace-line', 'RFC 9112 §2.2', 'a request line of spaces only', '   \r\n\r\n'],
  ['rl-tls-hello', 'protocol confusion', 'TLS ClientHello bytes on the plain port', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03' + 'a'.repeat(32) + '\r\n\r\n'],
  ['rl-h2-preface', 'RFC 9113 §3.4', 'HTTP/2 connection preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['rl-binary', 'robustness', 'binary garbage', '\x00\x01\x02\x03\xfe\xff\r\n\r\n'],
])

group('version', [
  ['ver-09-line', 'RFC 9112 §2.3', 'HTTP/0.9 simple request (no version)', 'GET /\r\n\r\n'],
  ['ver-09', 'RFC 9112 §2.3', 'HTTP/0.9 version string', head('GET / HTTP/0.9', HOST)],
  ['ver-12', 'RFC 9112 §2.3', 'HTTP/1.2 (higher minor version)', head('GET / HTTP/1.2', HOST)],
  ['ver-20', 'RFC 9112 §2.3', 'HTTP/2.0 on an HTTP/1 connection', head('GET / HTTP/2.0', HOST)],
  ['ver-30', 'RFC 9112 §2.3', 'HTTP/3.0', head('GET / HTTP/3.0', HOST)],
  ['ver-2', 'RFC 9112 §2.3', 'HTTP/2 (no minor)', head('GET / HTTP/2', HOST)],
  ['ver-1', 'RFC 9112 §2.3', 'HTTP/1 (no minor)', head('GET / HTTP/1', HOST)],
  ['ver-110', 'RFC 9112 §2.3', 'HTTP/1.10 (two-digit minor)', head('GET / HTTP/1.10', HOST)],
  ['ver-leading-zero', 'RFC 9112 §2.3', 'HTTP/01.1 (two-digit major)', head('GET / HTTP/01.1', HOST)],
  ['ver-lowercase', 'RFC 9112 §2.3', 'lower-case "http/1.1" (HTTP-name is case-sensitive)', head('GET / http/1.1', HOST)],
  ['ver-inner-space', 'RFC 9112 §2.3', 'space inside the version', head('GET / HTTP/ 1.1', HOST)],
  ['ver-garbage', 'RFC 9112 §2.3', 'HTTP/x.y', head('GET / HTTP/x.y', HOST)],
  ['ver-no-slash', 'RFC 9112 §2.3', 'HTTP1.1 (no slash)', head('GET / HTTP1.1', HOST)],
  ['ver-three-parts', 'RFC 9112 §2.3', 'HTTP/1.1.1', head('GET / HTTP/1.1.1', HOST)],
])

group('host', [
  ['host-missing-11', 'RFC 9112 §3.2', 'HTTP/1.1 without Host', head('GET / HTTP/1.1')],
  ['host-missing-10', 'RFC 9112 §3.2', 'HTTP/1.0 without Host (allowed)', head('GET / HTTP/1.0')],
  ['host-dup-different', 'RFC 9112 §3.2', 'two Host lines, different values', get('Host: u')],
  ['host-dup-same', 'RFC 9112 §3.2', 'two Host lines, same value', get('Host: t')],
  ['host-empty', 'RFC 9112 §3.2', 'empty Host value', head('GET / HTTP/1.1', 'Host:')],
  ['host-comma', 'RFC 9110 §7.2', 'Host with two comma-separated values', head('GET / HTTP/1.1', 'Host: t, u')],
  ['host-userinfo', 'RFC 9110 §7.2', 'Host with userinfo', head('GET / HTTP/1.1', 'Host: u@t')],
  ['host-path', 'RFC 9110 §7.2', 'Host with a path', head('GET / HTTP/1.1', 'Host: t/p')],
  ['host-space', 'RFC 9110 §7.2', 'Host with a space inside', head('GET / HTTP/1.1', 'Host: t u')],
  ['host-port', 'RFC 9110 §7.2', 'Host with a port', head('GET / HTTP/1.1', 'Host: t:8080')],
  ['host-bad-port', 'RFC 9110 §7.2', 'Host with a non-numeric port', head('GET / HTTP/1.1', 'Host: t:x')],
])

group('header', [
  ['hdr-sp-before-colon', 'RFC 9112 §5.1', 'space between field name and colon', get('X-A : 1')],
  ['hdr-tab-before-colon', 'RFC 9112 §5.1', 'tab between field name and colon', get('X-A\t: 1')],
  ['hdr-sp-before-colon-cl', 'RFC 9112 §5.1', 'Content-Length with a space before the colon', post('Content-Length : 5') + 'hello' + NEXT],
  ['hdr-empty-name', 'RFC 9112 §5', 'empty field name', get(': v')],
  ['hdr-no-colon', 'RFC 9112 §5', 'field line without a colon', get('NoColon')],
  ['hdr-name-paren', 'RFC 9110 §5.6.2', 'field name with "(" (not a tchar)', get('X(A): 1')],
  ['hdr-name-bracket', 'RFC 9110 §5.6.2', 'field name with "[" "]"', get('X[A]: 1')],
  ['hdr-name-space', 'RFC 9110 §5.6.2', 'space inside a field name', get('X A: 1')],
  ['hdr-name-slash', 'RFC 9110 §5.6.2', 'field name with "/"', get('X/A: 1')],
  ['hdr-name-quote', 'RFC 9110 §5.6.2', 'field name with a double quote', get('X"A: 1')],
  ['hdr-name-nonascii', 'RFC 9110 §5.6.2', 'field name with byte 0xe9', get('X\xe9: 1')],
  ['hdr-name-nul', 'RFC 9110 §5.6.2', 'NUL in a field name', get('X\x00A: 1')],
  ['hdr-name-underscore', 'RFC 9110 §5.6.2', 'underscore in a field name (a valid tchar)', get('X_A: 1')],
  ['hdr-value-nul', 'RFC 9110 §5.5', 'NUL in a field value', get('X-A: a\x00b')],
  ['hdr-value-soh', 'RFC 9110 §5.5', 'control character 0x01 in a field value', get('X-A: a\x01b')],
  ['hdr-value-esc', 'RFC 9110 §5.5', 'ESC (0x1b) in a field value', get('X-A: a\x1bb')],
  ['hdr-value-del', 'RFC 9110 §5.5', 'DEL in a field value', get('X-A: a\x7fb')],
  ['hdr-value-vt', 'RFC 9110 §5.5', 'vertical tab in a field value', get('X-A: a\x0bb')],
  ['hdr-value-ff', 'RFC 9110 §5.5', 'form feed in a field value', get('X-A: a\x0cb')],
  ['hdr-value-tab', 'RFC 9110 §5.5', 'tab inside a field value (valid)', get('X-A: a\tb')],
  ['hdr-value-obs-text', 'RFC 9110 §5.5', 'obs-text byte 0xe9 in a field value (valid)', get('X-A: caf\xe9')],
  ['hdr-value-ows', 'RFC 9110 §5.6.3', 'spaces and tabs around a field value (valid)', get('X-A: \t 1 \t')],
  ['hdr-obs-fold', 'RFC 9112 §5.2', 'obs-fold: a field value continued on a line starting with a space', get('X-A: a', ' b')],
  ['hdr-obs-fold-tab', 'RFC 9112 §5.2', 'obs-fold with a tab', get('X-A: a', '\tb')],
  ['hdr-ws-before-first', 'RFC 9112 §2.2', 'whitespace between the request line and the first field', head('GET / HTTP/1.1', ' X-A: 1', HOST)],
  ['hdr-long-value', 'RFC 9110 §5.4', 'a 20,000-byte field value (past a 16 KiB head)', get(`X-A: ${'a'.repeat(20_000)}`)],
  ['hdr-long-name', 'RFC 9110 §5.4', 'a 20,000-byte field name', get(`${'A'.repeat(20_000)}: 1`)],
  ['hdr-head-70k', 'RFC 9110 §5.4', 'a 70,000-byte head (several reads)', get(`X-A: ${'a'.repeat(70_000)}`)],
  ['hdr-many-200', 'RFC 6585 §5', '200 field lines (node:http keeps 2000)', get(...Array.from({ length: 200 }, (_, i) => `X-${i}: ${i}`))],
  ['hdr-underscore-cl', 'normalisation', 'Content_Length (not Content-Length) over a body holding a request', post(`Content_Length: ${SMUGGLED.length}`) + SMUGGLED],
  ['hdr-underscore-te', 'normalisation', 'Transfer_Encoding (not Transfer-Encoding) over a chunked body', post('Transfer_Encoding: chunked') + '0\r\n\r\n' + NEXT],
])

group('line-ending', [
  ['le-lf-everywhere', 'RFC 9112 §2.2', 'bare LF for every line', 'GET / HTTP/1.1\nHost: t\n\nGET /next HTTP/1.1\nHost: t\n\n'],
  ['le-lf-request-line', 'RFC 9112 §2.2', 'bare LF after the request line', 'GET / HTTP/1.1\nHost: t\r\n\r\n'],
  ['le-lf-field', 'RFC 9112 §2.2', 'bare LF after one field line', 'GET / HTTP/1.1\r\nHost: t\nX-A: 1\r\n\r\n'],
  ['le-lf-terminator', 'RFC 9112 §2.2', 'head ended by CRLF then a bare LF', 'GET / HTTP/1.1\r\nHost: t\r\n\n'],
  ['le-lf-only-terminator', 'RFC 9112 §2.2', 'head ended by two bare LFs', 'GET / HTTP/1.1\r\nHost: t\n\n'],
  ['le-lf-cl-body', 'RFC 9112 §2.2', 'LF-only head with a Content-Length body', 'POST /body HTTP/1.1\nHost: t\nContent-Length: 5\n\nhello' + NEXT],
  ['le-cr-request-line', 'RFC 9112 §2.2', 'bare CR after the request line', 'GET / HTTP/1.1\rHost: t\r\n\r\n'],
  ['le-cr-field', 'RFC 9112 §2.2', 'bare CR between two field lines', 'GET / HTTP/1.1\r\nHost: t\rX-A: 1\r\n\r\n'],
  ['le-cr-in-value', 'RFC 9112 §2.2', 'bare CR inside a field value', get('X-A: a\rb')],
  ['le-cr-terminator', 'RFC 9112 §2.2', 'head ended by CRLF then a bare CR', 'GET / HTTP/1.1\r\nHost: t\r\n\r' + NEXT],
  ['le-cr-cr-lf', 'RFC 9112 §2.2', 'CR CR LF after the request line', 'GET / HTTP/1.1\r\r\nHost: t\r\n\r\n'],
  ['le-lf-cr', 'RFC 9112 §2.2', 'LF CR instead of CR LF', 'GET / HTTP/1.1\n\rHost: t\n\r\n\r'],
  ['le-mixed-body', 'RFC 9112 §2.2', 'CRLF and LF mixed in a head with a Content-Length body', 'POST /body HTTP/1.1\r\nHost: t\nContent-Length: 5\r\n\r\nhello' + NEXT],
])

group('content-length', [
  ['cl-dup-same', 'RFC 9110 §8.6', 'two Content-Length: 5 lines', post('Content-Length: 5', 'Content-Length: 5') + 'hello' + NEXT],
  ['cl-dup-different', 'RFC 9112 §6.3', 'Content-Length: 5 and Content-Length: 6', post('Content-Length: 5', 'Content-Length: 6') + 'hello' + NEXT],
  ['cl-list-same', 'RFC 9110 §8.6', 'Content-Length: 5, 5', post('Content-Length: 5, 5') + 'hello' + NEXT],
  ['cl-list-different', 'RFC 9112 §6.3', 'Content-Length: 5, 6', post('Content-Length: 5, 6') + 'hello' + NEXT],
  ['cl-list-trailing-comma', 'RFC 9110 §8.6', 'Content-Length: 5,', post('Content-Length: 5,') + 'hello' + NEXT],
  ['cl-list-leading-comma', 'RFC 9110 §8.6', 'Content-Length: , 5', post('Content-Length: , 5') + 'hello' + NEXT],
  ['cl-plus', 'RFC 9110 §8.6', 'Content-Length: +5', post('Content-Length: +5') + 'hello' + NEXT],
  ['cl-minus', 'RFC 9110 §8.6', 'Content-Length: -5', post('Content-Length: -5') + 'hello' + NEXT],
  ['cl-minus-zero', 'RFC 9110 §8.6', 'Content-Length: -0', post('Content-Length: -0') + NEXT],
  ['cl-leading-zeros', 'RFC 9110 §8.6', 'Content-Length: 005', post('Content-Length: 005') + 'hello' + NEXT],
  ['cl-octal-looking', 'RFC 9110 §8.6', 'Content-Length: 010 is ten, not eight', post('Content-Length: 010') + 'helloworld' + NEXT],
  ['cl-double-zero', 'RFC 9110 §8.6', 'Content-Length: 00', post('Content-Length: 00') + NEXT],
  ['cl-many-zeros', 'RFC 9110 §8.6', 'Content-Length: 40 zeros then 5', post(`Content-Length: ${'0'.repeat(40)}5`) + 'hello' + NEXT],
  ['cl-inner-space', 'RFC 9110 §8.6', 'Content-Length: 1 0', post('Content-Length: 1 0') + 'helloworld' + NEXT],
  ['cl-trailing-ws', 'RFC 9110 §5.5', 'Content-Length: "5 " (trailing OWS, valid)', post('Content-Length: 5 ') + 'hello' + NEXT],
  ['cl-leading-ws', 'RFC 9110 §5.5', 'Content-Length: "   5" (leading OWS, valid)', post('Content-Length:   5') + 'hello' + NEXT],
  ['cl-tab', 'RFC 9110 §5.5', 'Content-Length: tab then 5 (valid)', post('Content-Length:\t5') + 'hello' + NEXT],
  ['cl-hex', 'RFC 9110 §8.6', 'Content-Length: 0x5', post('Content-Length: 0x5') + 'hello' + NEXT],
  ['cl-hex-digit', 'RFC 9110 §8.6', 'Content-Length: a', post('Content-Length: a') + 'helloworld' + NEXT],
  ['cl-octal', 'RFC 9110 §8.6', 'Content-Length: 0o5', post('Content-Length: 0o5') + 'hello' + NEXT],
  ['cl-underscore', 'RFC 9110 §8.6', 'Content-Length: 1_0', post('Content-Length: 1_0') + 'helloworld' + NEXT],
  ['cl-decimal', 'RFC 9110 §8.6', 'Content-Length: 5.0', post('Content-Length: 5.0') + 'hello' + NEXT],
  ['cl-exponent', 'RFC 9110 §8.6', 'Content-Length: 5e0', post('Content-Length: 5e0') + 'hello' + NEXT],
  ['cl-empty', 'RFC 9110 §8.6', 'empty Content-Length', post('Content-Length:') + NEXT],
  ['cl-nul', 'RFC 9110 §5.5', 'Content-Length: 5 then NUL', post('Content-Length: 5\x00') + 'hello' + NEXT],
  ['cl-obs-fold', 'RFC 9112 §5.2', 'Content-Length value on an obs-fold line', post('Content-Length:', ' 5') + 'hello' + NEXT],
  ['cl-name-case', 'RFC 9110 §5.1', 'content-LENGTH (names are case-insensitive)', post('content-LENGTH: 5') + 'hello' + NEXT],
  ['cl-overflow', 'RFC 9110 §8.6', 'Content-Length: 99999999999999999999 (past 64 bits)', post('Content-Length: 99999999999999999999') + 'hello' + NEXT],
  ['cl-u64-max', 'RFC 9110 §8.6', 'Content-Length: 2^64-1', post('Content-Length: 18446744073709551615') + 'hello'],
  ['cl-u64-wrap', 'RFC 9110 §8.6', 'Content-Length: 2^64+5 (wraps to 5 in 64 bits)', post('Content-Length: 18446744073709551621') + 'hello' + NEXT],
  ['cl-20mb-no-body', 'resource limit', 'Content-Length: 20000000, head only', post('Content-Length: 20000000')],
  ['cl-short-body', 'RFC 9112 §6.2', 'Content-Length: 10 with 5 bytes sent', post('Content-Length: 10') + 'hello'],
  ['cl-body-holds-request', 'RFC 9112 §6.2', 'a Content-Length body that looks like a request', post(`Content-Length: ${SMUGGLED.length}`) + SMUGGLED + NEXT],
  ['cl-get-body', 'RFC 9110 §9.3.1', 'GET with a Content-Length body', get('Content-Length: 5') + 'hello' + NEXT],
  ['cl-get-body-request', 'RFC 9110 §9.3.1', 'GET whose Content-Length body looks like a request', get(`Content-Length: ${SMUGGLED.length}`) + SMUGGLED],
  ['cl-head-body', 'RFC 9110 §9.3.2', 'HEAD whose Content-Length body looks like a request', head('HEAD / HTTP/1.1', HOST, `Content-Length: ${SMUGGLED.length}`) + SMUGGLED],
  ['cl-options-body', 'RFC 9110 §9.3.7', 'OPTIONS whose Content-Length body looks like a request', head('OPTIONS / HTTP/1.1', HOST, `Content-Length: ${SMUGGLED.length}`) + SMUGGLED],
  ['cl-http10', 'RFC 9112 §6.2', 'HTTP/1.0 POST with a Content-Length body', head('POST /body HTTP/1.0', 'Content-Length: 5') + 'hello'],
])

group('transfer-encoding', [
  ['te-chunked-chunked', 'RFC 9112 §6.1', 'Transfer-Encoding: chunked, chunked (chunked applied twice)', post('Transfer-Encoding: chunked, chunked') + HELLO + NEXT],
  ['te-dup-chunked', 'RFC 9112 §6.1', 'two Transfer-Encoding: chunked lines', post('Transfer-Encoding: chunked', 'Transfer-Encoding: chunked') + HELLO + NEXT],
  ['te-gzip-chunked', 'RFC 9112 §6.1', 'Transfer-Encoding: gzip, chunked (chunked is final)', post('Transfer-Encoding: gzip, chunked') + HELLO + NEXT],
  ['te-gzip-chunked-nospace', 'RFC 9112 §6.1', 'Transfer-Encoding: gzip,chunked', post('Transfer-Encoding: gzip,chunked') + HELLO + NEXT],
  ['te-chunked-gzip', 'RFC 9112 §6.3', 'Transfer-Encoding: chunked, gzip (chunked not final)', post('Transfer-Encoding: chunked, gzip') + HELLO + NEXT],
  ['te-gzip', 'RFC 9112 §6.3', 'Transfer-Encoding: gzip alone', post('Transfer-Encoding: gzip') + HELLO + NEXT],
  ['te-identity', 'RFC 9112 §7', 'Transfer-Encoding: identity (removed coding)', post('Transfer-Encoding: identity') + HELLO + NEXT],
  ['te-identity-chunked', 'RFC 9112 §7', 'Transfer-Encoding: identity, chunked', post('Transfer-Encoding: identity, chunked') + HELLO + NEXT],
  ['te-dup-gzip-then-chunked', 'RFC 9112 §6.1', 'Transfer-Encoding: gzip and a second line chunked', post('Transfer-Encoding: gzip', 'Transfer-Encoding: chunked') + HELLO + NEXT],
  ['te-dup-chunked-then-gzip', 'RFC 9112 §6.3', 'Transfer-Encoding: chunked and a second line gzip', post('Transfer-Encoding: chunked', 'Transfer-Encoding: gzip') + HELLO + NEXT],
  ['te-case-title', 'RFC 9112 §7', 'Transfer-Encoding: Chunked (codings are case-insensitive)', post('Transfer-Encoding: Chunked') + HELLO + NEXT],
  ['te-case-upper', 'RFC 9112 §7', 'Transfer-Encoding: CHUNKED', post('Transfer-Encoding: CHUNKED') + HELLO + NEXT],
  ['te-name-upper', 'RFC 9110 §5.1', 'TRANSFER-ENCODING: chunked', post('TRANSFER-ENCODING: chunked') + HELLO + NEXT],
  ['te-trailing-space', 'RFC 9110 §5.5', 'Transfer-Encoding: "chunked " (trailing OWS)', post('Transfer-Encoding: chunked ') + HELLO + NEXT],
  ['te-leading-tab', 'RFC 9110 §5.5', 'Transfer-Encoding: tab then chunked (OWS)', post('Transfer-Encoding:\tchunked') + HELLO + NEXT],
  ['te-vtab-after', 'RFC 9110 §5.6.2', 'Transfer-Encoding: chunked then vertical tab', post('Transfer-Encoding: chunked\x0b') + HELLO + NEXT],
  ['te-vtab-before', 'RFC 9110 §5.6.2', 'Transfer-Encoding: vertical tab then chunked', post('Transfer-Encoding: \x0bchunked') + HELLO + NEXT],
  ['te-formfeed', 'RFC 9110 §5.6.2', 'Transfer-Encoding: form feed then chunked', post('Transfer-Encoding: \x0cchunked') + HELLO + NEXT],
  ['te-nul', 'RFC 9110 §5.5', 'Transfer-Encoding: chunked then NUL', post('Transfer-Encoding: chunked\x00') + HELLO + NEXT],
  ['te-quoted', 'RFC 9112 §7', 'Transfer-Encoding: "chunked" in quotes', post('Transfer-Encoding: "chunked"') + HELLO + NEXT],
  ['te-xchunked', 'RFC 9112 §6.1', 'Transfer-Encoding: xchunked', post('Transfer-Encoding: xchunked') + HELLO + NEXT],
  ['te-chunkedx', 'RFC 9112 §6.1', 'Transfer-Encoding: chunkedx', post('Transfer-Encoding: chunkedx') + HELLO + NEXT],
  ['te-chunk', 'RFC 9112 §6.1', 'Transfer-Encoding: chunk', post('Transfer-Encoding: chunk') + HELLO + NEXT],
  ['te-empty', 'RFC 9112 §6.1', 'empty Transfer-Encoding', post('Transfer-Encoding:') + HELLO + NEXT],
  ['te-trailing-comma', 'RFC 9110 §5.6.1', 'Transfer-Encoding: chunked, (empty list element)', post('Transfer-Encoding: chunked,') + HELLO + NEXT],
  ['te-leading-comma', 'RFC 9110 §5.6.1', 'Transfer-Encoding: , chunked', post('Transfer-Encoding: , chunked') + HELLO + NEXT],
  ['te-params', 'RFC 9112 §7', 'Transfer-Encoding: chunked;q=1 (chunked has no parameters)', post('Transfer-Encoding: chunked;q=1') + HELLO + NEXT],
  ['te-obs-fold', 'RFC 9112 §5.2', 'Transfer-Encoding value on an obs-fold line', post('Transfer-Encoding:', ' chunked') + HELLO + NEXT],
  ['te-sp-before-colon', 'RFC 9112 §5.1', 'Transfer-Encoding with a space before the colon', post('Transfer-Encoding : chunked') + HELLO + NEXT],
  ['te-http10', 'RFC 9112 §6.1', 'HTTP/1.0 with Transfer-Encoding: chunked (faulty framing)', head('POST /body HTTP/1.0', 'Transfer-Encoding: chunked') + HELLO + head('GET /next HTTP/1.0')],
  ['te-get', 'RFC 9110 §9.3.1', 'GET with a chunked body', get('Transfer-Encoding: chunked') + HELLO + NEXT],
])

group('chunk-size', [
  ['cs-empty', 'RFC 9112 §7.1 (issue 15)', 'empty chunk-size line, then GET /smuggled', chunkedPost() + '\r\n\r\n' + SMUGGLED],
  ['cs-nonhex', 'RFC 9112 §7.1', 'chunk size "zz"', chunkedPost() + 'zz\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-hex-then-garbage', 'RFC 9112 §7.1', 'chunk size "5g"', chunkedPost() + '5g\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-0x', 'RFC 9112 §7.1', 'chunk size "0x5"', chunkedPost() + '0x5\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-leading-space', 'RFC 9112 §7.1', 'chunk size " 5"', chunkedPost() + ' 5\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-trailing-space', 'RFC 9112 §7.1 (issue 15)', 'chunk size "5 "', chunkedPost() + '5 \r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-leading-tab', 'RFC 9112 §7.1', 'chunk size tab then 5', chunkedPost() + '\t5\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-trailing-tab', 'RFC 9112 §7.1', 'chunk size 5 then tab', chunkedPost() + '5\t\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-negative', 'RFC 9112 §7.1', 'chunk size "-5"', chunkedPost() + '-5\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-plus', 'RFC 9112 §7.1', 'chunk size "+5"', chunkedPost() + '+5\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-underscore', 'RFC 9112 §7.1', 'chunk size "0_5"', chunkedPost() + '0_5\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-ctl', 'RFC 9112 §7.1', 'chunk size 5 then NUL', chunkedPost() + '5\x00\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-many-zeros', 'RFC 9112 §7.1', 'chunk size of 32 zeros then 5 (valid)', chunkedPost() + `${'0'.repeat(32)}5\r\nhello\r\n0\r\n\r\n` + NEXT],
  ['cs-last-zeros', 'RFC 9112 §7.1', 'last chunk written "000" (valid)', chunkedPost() + '5\r\nhello\r\n000\r\n\r\n' + NEXT],
  ['cs-overflow', 'RFC 9112 §7.1', 'chunk size of 20 f (past 64 bits)', chunkedPost() + `${'f'.repeat(20)}\r\nhello\r\n0\r\n\r\n` + NEXT],
  ['cs-u64-max', 'RFC 9112 §7.1', 'chunk size ffffffffffffffff', chunkedPost() + 'ffffffffffffffff\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-wrap-to-5', 'RFC 9112 §7.1', 'chunk size 2^68+5 (5 if it wraps at 64 bits)', chunkedPost() + '100000000000000005\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-wrap-to-0', 'RFC 9112 §7.1', 'chunk size 2^64 (0 if it wraps), then GET /smuggled', chunkedPost() + '10000000000000000\r\n\r\n' + SMUGGLED],
  ['cs-lf-after-size', 'RFC 9112 §7.1', 'bare LF after the chunk size', chunkedPost() + '5\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-cr-after-size', 'RFC 9112 §7.1', 'bare CR after the chunk size', chunkedPost() + '5\rhello\r\n0\r\n\r\n' + NEXT],
  ['cs-last-lf', 'RFC 9112 §7.1', 'bare LF after the last chunk size', chunkedPost() + '5\r\nhello\r\n0\n\r\n' + NEXT],
  ['cs-missing-last', 'RFC 9112 §7.1', 'no last chunk: the next request line is read as a chunk size', chunkedPost() + '5\r\nhello\r\n' + NEXT],
  ['cs-spill', 'RFC 9112 §7.1', 'chunk size 5 with 7 bytes of data', chunkedPost() + '5\r\nhelloXY\r\n0\r\n\r\n' + NEXT],
  ['cs-too-big', 'RFC 9112 §7.1', 'chunk size 7 over 5 bytes of data and its CRLF', chunkedPost() + '7\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['cs-ext-only', 'RFC 9112 §7.1', 'chunk-size line with an extension but no size', chunkedPost() + ';a=b\r\nhello\r\n0\r\n\r\n' + NEXT],
])

group('chunk-ext', [
  ['ext-name', 'RFC 9112 §7.1.1', 'extension name only (valid)', chunkedPost() + '5;a\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-name-value', 'RFC 9112 §7.1.1', 'extension a=b (valid)', chunkedPost() + '5;a=b\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-quoted', 'RFC 9112 §7.1.1', 'quoted extension value (valid)', chunkedPost() + '5;a="b c"\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-quoted-escape', 'RFC 9112 §7.1.1', 'quoted value with an escaped quote (valid)', chunkedPost() + '5;a="b\\"c"\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-multiple', 'RFC 9112 §7.1.1', 'two extensions (valid)', chunkedPost() + '5;a=b;c=d\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-bws-before-semicolon', 'RFC 9112 §7.1.1', 'space before ";" (BWS)', chunkedPost() + '5 ;a=b\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-bws-around-eq', 'RFC 9112 §7.1.1', 'spaces around "=" (BWS)', chunkedPost() + '5;a = b\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-on-last', 'RFC 9112 §7.1.1', 'extension on the last chunk (valid)', chunkedPost() + '5\r\nhello\r\n0;a=b\r\n\r\n' + NEXT],
  ['ext-bare-semicolon', 'RFC 9112 §7.1.1', 'bare ";" after the size', chunkedPost() + '5;\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-invalid-char', 'RFC 9112 §7.1.1', 'extension name with "@"', chunkedPost() + '5;a@b\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-space-in-value', 'RFC 9112 §7.1.1', 'unquoted value with a space', chunkedPost() + '5;a=b c\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-nul', 'RFC 9112 §7.1.1', 'NUL in an extension', chunkedPost() + '5;a=\x00\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-cr', 'RFC 9112 §2.2', 'bare CR in an extension', chunkedPost() + '5;a\rb\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-lf', 'RFC 9112 §2.2', 'extension ended by a bare LF', chunkedPost() + '5;a\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-unterminated-quote', 'RFC 9112 §7.1.1', 'quoted value never closed', chunkedPost() + '5;a="b\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-quoted-name', 'RFC 9112 §7.1.1', 'quoted extension name', chunkedPost() + '5;"a"=b\r\nhello\r\n0\r\n\r\n' + NEXT],
  ['ext-20k', 'RFC 9112 §7.1.1', 'a 20,000-byte extension (node:http caps them at 16 KiB)', chunkedPost() + `5;a=${'b'.repeat(20_000)}\r\nhello\r\n0\r\n\r\n`],
])

group('chunk-data', [
  ['cd-no-crlf', 'RFC 9112 §7.1', 'chunk data not followed by CRLF', chunkedPost() + '5\r\nhello0\r\n\r\n' + NEXT],
  ['cd-lf-only', 'RFC 9112 §7.1', 'chunk data followed by a bare LF', chunkedPost() + '5\r\nhello\n0\r\n\r\n' + NEXT],
  ['cd-cr-only', 'RFC 9112 §7.1', 'chunk data followed by a bare CR', chunkedPost() + '5\r\nhello\r0\r\n\r\n' + NEXT],
  ['cd-lf-cr', 'RFC 9112 §7.1', 'chunk data followed by LF CR', chunkedPost() + '5\r\nhello\n\r0\r\n\r\n' + NEXT],
  ['cd-blank-between', 'RFC 9112 §7.1 (issue 15)', 'a blank line between chunks', chunkedPost() + '5\r\nhello\r\n\r\n0\r\n\r\n' + NEXT],
  ['cd-crlf-after-body', 'RFC 9112 §2.2', 'extra CRLF after the body, before the next request', chunkedPost() + HELLO + '\r\n' + NEXT],
])

group('trailer', [
  ['tr-valid', 'RFC 9112 §7.1.2', 'one trailer field (valid)', chunkedPost() + '0\r\nX-T: 1\r\n\r\n' + NEXT],
  ['tr-two', 'RFC 9112 §7.1.2', 'two trailer fields (valid)', chunkedPost() + '0\r\nX-T: 1\r\nX-U: 2\r\n\r\n' + NEXT],
  ['tr-no-colon', 'RFC 9112 §7.1.2 (issue 15)', 'trailer line without a colon', chunkedPost() + '0\r\nNoColon\r\n\r\n' + NEXT],
  ['tr-nul', 'RFC 9110 §5.5 (issue 15)', 'NUL in a trailer value', chunkedPost() + '0\r\nX-T: a\x00b\r\n\r\n' + NEXT],
  ['tr-ctl', 'RFC 9110 §5.5', 'control character 0x01 in a trailer value', chunkedPost() + '0\r\nX-T: a\x01b\r\n\r\n' + NEXT],
  ['tr-cr', 'RFC 9112 §2.2', 'bare CR in a trailer value', chunkedPost() + '0\r\nX-T: a\rb\r\n\r\n' + NEXT],
  ['tr-obs-fold', 'RFC 9112 §5.2', 'obs-fold in the trailer section', chunkedPost() + '0\r\nX-T: a\r\n b\r\n\r\n' + NEXT],
  ['tr-sp-before-colon', 'RFC 9112 §5.1', 'trailer with a space before the colon', chunkedPost() + '0\r\nX-T : 1\r\n\r\n' + NEXT],
  ['tr-empty-name', 'RFC 9112 §5', 'trailer with an empty name', chunkedPost() + '0\r\n: v\r\n\r\n' + NEXT],
  ['tr-bad-name', 'RFC 9110 §5.6.2', 'trailer name with "("', chunkedPost() + '0\r\nX(T): 1\r\n\r\n' + NEXT],
  ['tr-lf', 'RFC 9112 §2.2', 'trailer line ended by a bare LF', chunkedPost() + '0\r\nX-T: 1\n\r\n' + NEXT],
  ['tr-lf-end', 'RFC 9112 §2.2', 'chunked body ended by a bare LF', chunkedPost() + '0\r\n\n' + NEXT],
  ['tr-large', 'RFC 9110 §5.4', 'a 20,000-byte trailer', chunkedPost() + `0\r\nX-T: ${'a'.repeat(20_000)}\r\n\r\n`],
  ['tr-content-length', 'RFC 9110 §6.5.1', 'Content-Length as a trailer', chunkedPost() + '0\r\nContent-Length: 5\r\n\r\n' + NEXT],
  ['tr-te', 'RFC 9110 §6.5.1', 'Transfer-Encoding as a trailer', chunkedPost() + '0\r\nTransfer-Encoding: chunked\r\n\r\n' + NEXT],
  ['tr-host', 'RFC 9110 §6.5.1', 'Host as a trailer', chunkedPost() + '0\r\nHost: evil\r\n\r\n' + NEXT],
  ['tr-unterminated', 'RFC 9112 §7.1.2', 'trailer section never ended: the next request line is read as a trailer', chunkedPost() + '0\r\nX-T: 1\r\n' + NEXT],
])

group('smuggling', [
  ['sm-cl-te', 'CL.TE', 'Content-Length spans the last chunk and GET /smuggled', post(`Content-Length: ${LAST_THEN_SMUGGLED.length}`, 'Transfer-Encoding: chunked') + LAST_THEN_SMUGGLED],
  ['sm-te-cl', 'TE.CL', 'chunked body holding GET /smuggled, Content-Length: 4', post('Transfer-Encoding: chunked', 'Content-Length: 4') + SMUGGLED_CHUNK],
  ['sm-cl0-te', 'CL.TE', 'Content-Length: 0 with a chunked body', post('Content-Length: 0', 'Transfer-Encoding: chunked') + HELLO + NEXT],
  ['sm-te-te', 'TE.TE', 'Transfer-Encoding: chunked plus an unknown second coding line, with Content-Length', post('Content-Length: 4', 'Transfer-Encoding: chunked', 'Transfer-Encoding: x') + SMUGGLED_CHUNK],
  ['sm-te-unknown-cl', 'TE.CL', 'unknown Transfer-Encoding with Content-Length over GET /smuggled', post(`Content-Length: ${SMUGGLED.length}`, 'Transfer-Encoding: xchunked') + SMUGGLED],
  ['sm-te-sp-cl', 'TE.CL', '"Transfer-Encoding : chunked" with Content-Length', post('Transfer-Encoding : chunked', `Content-Length: ${LAST_THEN_SMUGGLED.length}`) + LAST_THEN_SMUGGLED],
  ['sm-fold-hides-te', 'obs-fold', 'Transfer-Encoding folded into the previous field, with Content-Length', post('X-A: 1', ' Transfer-Encoding: chunked', `Content-Length: ${LAST_THEN_SMUGGLED.length}`) + LAST_THEN_SMUGGLED],
  ['sm-lf-reveals-te', 'bare LF', 'Transfer-Encoding after a bare LF inside a field line, with Content-Length', post('X-A: 1\nTransfer-Encoding: chunked', `Content-Length: ${LAST_THEN_SMUGGLED.length}`) + LAST_THEN_SMUGGLED],
  ['sm-cr-reveals-te', 'bare CR', 'Transfer-Encoding after a bare CR inside a field line, with Content-Length', post('X-A: 1\rTransfer-Encoding: chunked', `Content-Length: ${LAST_THEN_SMUGGLED.length}`) + LAST_THEN_SMUGGLED],
  ['sm-cl-first-wins', 'CL.CL', 'Content-Length: 0 then Content-Length over GET /smuggled', post('Content-Length: 0', `Content-Length: ${SMUGGLED.length}`) + SMUGGLED],
  ['sm-cl-last-wins', 'CL.CL', 'Content-Length over GET /smuggled then Content-Length: 0', post(`Content-Length: ${SMUGGLED.length}`, 'Content-Length: 0') + SMUGGLED],
  ['sm-cl-list-hides', 'CL.CL', 'Content-Length: 0, N over GET /smuggled', post(`Content-Length: 0, ${SMUGGLED.length}`) + SMUGGLED],
  ['sm-http10-te-cl', 'TE.CL', 'HTTP/1.0, chunked with Content-Length over GET /smuggled', head('POST /body HTTP/1.0', 'Transfer-Encoding: chunked', `Content-Length: ${LAST_THEN_SMUGGLED.length}`, 'Connection: keep-alive') + LAST_THEN_SMUGGLED],
  ['sm-upgrade-websocket', 'upgrade', 'Upgrade: websocket, then HTTP bytes on the would-be tunnel', get('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==') + SMUGGLED],
  ['sm-upgrade-h2c', 'upgrade', 'Upgrade: h2c, then HTTP bytes on the would-be tunnel', get('Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAAP__') + SMUGGLED],
  ['sm-upgrade-no-connection', 'upgrade', 'Upgrade without Connection: upgrade, then a pipelined GET', get('Upgrade: websocket') + NEXT],
  ['sm-pipeline-after-chunked-trailer', 'pipelining', 'pipelined GET after a chunked body with trailers', chunkedPost() + '5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n' + NEXT],
  ['sm-pipeline-after-expect', 'pipelining', 'pipelined GET after an Expect: 100-continue body', post('Content-Length: 5', 'Expect: 100-continue') + 'hello' + NEXT],
])

group('expect', [
  ['ex-continue-wait', 'RFC 9110 §10.1.1', 'Expect: 100-continue, body sent after a pause', [post('Content-Length: 5', 'Expect: 100-continue'), 'hello' + NEXT]],
  ['ex-continue-case', 'RFC 9110 §10.1.1', 'Expect: 100-Continue (case-insensitive), body after a pause', [post('Content-Length: 5', 'Expect: 100-Continue'), 'hello' + NEXT]],
  ['ex-continue-chunked', 'RFC 9110 §10.1.1', 'Expect: 100-continue on a chunked body sent after a pause', [chunkedPost('Expect: 100-continue'), HELLO + NEXT]],
  ['ex-continue-no-body', 'RFC 9110 §10.1.1', 'Expect: 100-continue on a GET without a body', get('Expect: 100-continue') + NEXT],
  ['ex-continue-http10', 'RFC 9110 §10.1.1', 'Expect: 100-continue on HTTP/1.0 (to be ignored)', head('POST /body HTTP/1.0', 'Content-Length: 5', 'Expect: 100-continue') + 'hello'],
  ['ex-unknown', 'RFC 9110 §10.1.1', 'Expect: tea with a body', post('Content-Length: 5', 'Expect: tea') + 'hello' + NEXT],
  ['ex-unknown-no-body', 'RFC 9110 §10.1.1', 'Expect: tea on a GET', get('Expect: tea') + NEXT],
  ['ex-empty', 'RFC 9110 §10.1.1', 'empty Expect', get('Expect:') + NEXT],
  ['ex-list', 'RFC 9110 §10.1.1', 'Expect: 100-continue, tea', [post('Content-Length: 5', 'Expect: 100-continue, tea'), 'hello' + NEXT]],
])

// A table with two rows of one id could not be compared row by row.
const ids = new Set()
for (const v of vectors) {
  if (ids.has(v.id)) throw new Error(`duplicate framing vector id ${v.id}`)
  ids.add(v.id)
}

export default vectors
