'use strict'
// MinappServer (issue 14): the 知晓云 open API from the server side, against the engine started through the
// CLI binary. The rules (token flow, redirects and cookies, refresh, errors) are the core's; this checks the
// Node shapes: values in, values and HErrors out, cancellation, and a secret that never prints.

const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { MinappServer, HError } = require('..')
const { startEngine } = require('./helpers')

const SECRET = 'minicloud-local-secret'

let engine
test.before(async () => {
  engine = await startEngine({ extra: ['--pool-size', '8'] })
})
test.after(async () => {
  if (engine) await engine.close()
})

async function stats() {
  const res = await fetch(`${engine.url}/dev/v1/stats`, { headers: { Authorization: `Bearer ${engine.adminToken}` } })
  return res.json()
}

function server(secret = SECRET) {
  return new MinappServer({ clientId: engine.clientId, clientSecret: secret, host: engine.url })
}

async function rejection(promise) {
  return promise.then((v) => assert.fail(`resolved ${JSON.stringify(v)}`), (e) => e)
}

test('invoke runs a function as a server and resolves to its body', async () => {
  const result = await server().invoke('echo', { 名字: '小明 🌏' })
  assert.equal(result.code, 0)
  assert.deepStrictEqual(result.data.data, { 名字: '小明 🌏' })
  assert.equal(result.data.user, null)
})

test('debug resolves to the result with job id, times, memory and log lines', async () => {
  const run = await server().debug('eventDump', { k: '值' })
  assert.equal(run.code, 0)
  assert.equal(typeof run.job_id, 'string')
  assert.ok(run.billing_time >= 100 && run.mem_usage > 0)
  assert.match(run.log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z LOG event\.data: {2}\{ k: '值' \}$/m)
})

test('100 concurrent calls share one token fetch', async () => {
  const minapp = server()
  const before = (await stats()).open_api_token_fetches
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => minapp.invoke('echo', { i })))
  results.forEach((r, i) => assert.equal(r.data.data.i, i))
  assert.equal((await stats()).open_api_token_fetches, before + 1)
})

test('an unknown function is an HError 404', async () => {
  const e = await rejection(server().invoke('noSuchFunction'))
  assert.ok(e instanceof HError)
  assert.equal(e.code, 404)
  assert.equal(e.message, '404: not found')
})

test('a wrong secret is an HError 401 naming the authorize step, without the secret', async () => {
  const e = await rejection(server('错误的 secret 🔑').invoke('echo'))
  assert.equal(e.code, 401)
  assert.match(e.message, /authorize step failed/)
  assert.ok(!JSON.stringify({ ...e, message: e.message }).includes('错误的 secret'))
})

test('an aborted signal cancels the call', async () => {
  const e = await rejection(server().invoke('slow', {}, { signal: AbortSignal.abort() }))
  assert.equal(e.kind, 'cancelled')
})

test('bad arguments are HError 605 before anything is sent', async () => {
  assert.throws(() => new MinappServer({ clientId: 'x' }), (e) => e.code === 605 && /clientSecret must be a string/.test(e.message))
  const e = await rejection(server().invoke('../etc'))
  assert.equal(e.code, 605)
  assert.match(e.message, /contains a path separator/)
})

test('a printed MinappServer never shows the secret', () => {
  const secret = '秘密-client-secret-🔑'
  const minapp = new MinappServer({ clientId: 'c', clientSecret: secret, host: engine.url })
  const printed = [util.inspect(minapp, { depth: 10, showHidden: true }), JSON.stringify(minapp), String(minapp)]
  for (const text of printed) assert.ok(!text.includes(secret), text)
})
