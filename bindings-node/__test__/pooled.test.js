'use strict'
// The pooled transport (`transport: 'pooled'`): each HTTP exchange on the addon's tokio runtime with the core's
// reqwest transport, the machine still on the event loop. What changes with the transport is checked here
// against loopback servers: the request bytes, the answer, a cancelled call's connection, the body limit, a
// process that ends by itself. The protocol outcomes are the machine's (vectors.test.js).

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { promisify } = require('node:util')
const execFile = promisify(require('node:child_process').execFile)
const { Client, HError, WeChatCloud, WeChatError } = require('..')
const { loopback } = require('./helpers')

const PACKAGE = path.join(__dirname, '..')

async function rejection(promise) {
  return promise.then((value) => assert.fail(`resolved ${JSON.stringify(value)}`), (e) => e)
}

test('a pooled call sends the same request as the default transport (names in lower case) and resolves to the body', async () => {
  const server = await loopback((seen, req, res) => res.end(JSON.stringify({ code: 0, data: `你好 ${JSON.parse(seen.body).data.name}`, error: {} })))
  try {
    const params = { name: 'Allen 艾伦 😀 مرحبا' }
    const pooled = await new Client({ clientId: 'app', host: server.url, transport: 'pooled' }).invoke('hello', params)
    const evented = await new Client({ clientId: 'app', host: server.url }).invoke('hello', params)
    assert.deepEqual(pooled, { code: 0, data: '你好 Allen 艾伦 😀 مرحبا', error: {} })
    assert.deepEqual(evented, pooled)
    // hyper writes header names in lower case (HTTP/1.1 names are case-insensitive); the rest is the same bytes.
    const lowerNames = (seen) => ({ ...seen, headers: seen.headers.map(([name, value]) => [name.toLowerCase(), value]) })
    const [viaPool, viaNode] = server.requests
    assert.deepEqual(lowerNames(viaPool), lowerNames(viaNode))
  } finally {
    await server.close()
  }
})

test('aborting a pooled call closes its connection: the server sees the socket close', { timeout: 30000 }, async () => {
  let socketClosed
  const closed = new Promise((resolve) => (socketClosed = resolve))
  let arrived
  const requestArrived = new Promise((resolve) => (arrived = resolve))
  const server = await loopback((seen, req) => {
    req.socket.once('close', socketClosed)
    arrived() // and never answer
  })
  try {
    const controller = new AbortController()
    const call = new Client({ clientId: 'app', host: server.url, transport: 'pooled' }).invoke('f', {}, { signal: controller.signal })
    await requestArrived
    controller.abort()
    const error = await rejection(call)
    assert.ok(error instanceof HError)
    assert.equal(error.message, '601: request cancelled')
    await closed
  } finally {
    await server.close()
  }
})

test('a pooled answer over maxResponseBytes stops being read: 601 and the connection is closed', { timeout: 30000 }, async () => {
  let closed
  const socketClosed = new Promise((resolve) => (closed = resolve))
  const server = await loopback((seen, req, res) => {
    req.socket.once('close', closed)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"code":0,"data":"')
    const more = setInterval(() => res.write('数'.repeat(1024)), 5) // never ends
    req.socket.once('close', () => clearInterval(more))
  })
  try {
    const client = new Client({ clientId: 'app', host: server.url, maxResponseBytes: 64 * 1024, transport: 'pooled' })
    const error = await rejection(client.invoke('f'))
    assert.equal(error.kind, 'response_too_large')
    assert.equal(error.message, '601: response body exceeds the 65536-byte limit')
    await socketClosed
  } finally {
    await server.close()
  }
})

// The runtime's threads and pooled idle connections must not keep Node alive; the time limit only turns a hang
// into a failure.
test('a process whose pooled calls are over exits by itself', { timeout: 30000 }, async () => {
  const server = await loopback((seen, req, res) => res.end('{"code":0,"data":"好","error":{}}'))
  try {
    const script = `
      const { Client } = require(${JSON.stringify(PACKAGE)})
      new Client({ clientId: 'app', host: ${JSON.stringify(server.url)}, transport: 'pooled' }).invoke('f').then((r) => console.log(r.data))`
    const { stdout } = await execFile(process.execPath, ['-e', script])
    assert.equal(stdout.trim(), '好')
  } finally {
    await server.close()
  }
})

test('a transport other than node or pooled is refused with 605 naming it', () => {
  assert.throws(() => new Client({ clientId: 'app', transport: 'fetch' }), {
    code: 605,
    message: `605: transport must be 'node' or 'pooled', got "fetch"`,
  })
  assert.throws(() => new WeChatCloud({ appId: 'wx', appSecret: 's', env: 'e', transport: 1 }), (e) => e instanceof WeChatError && e.kind === 'invalid_argument')
})
