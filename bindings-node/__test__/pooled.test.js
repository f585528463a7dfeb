'use strict'
// The pooled transport (`transport: 'pooled'`): each HTTP exchange on the addon's tokio runtime with the core's
// reqwest transport, the machine still on the event loop. Here: the request and answer against a loopback
// server, and the option's check. A cancelled call's connection, the body limit and a process that ends by
// itself run for both transports (api.test.js, driver.test.js); the protocol outcomes are the machine's.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client, WeChatCloud, WeChatError } = require('..')
const { loopback } = require('./helpers')

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

test('a transport other than node or pooled is refused with 605 naming it', () => {
  assert.throws(() => new Client({ clientId: 'app', transport: 'fetch' }), {
    code: 605,
    message: `605: transport must be 'node' or 'pooled', got "fetch"`,
  })
  assert.throws(() => new WeChatCloud({ appId: 'wx', appSecret: 's', env: 'e', transport: 1 }), (e) => e instanceof WeChatError && e.kind === 'invalid_argument')
})
