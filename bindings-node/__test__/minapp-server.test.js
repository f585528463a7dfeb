'use strict'
// MinappServer (issue 14): the 知晓云 open API from the server side, against the engine started through the
// CLI binary. The rules (token flow, redirects and cookies, refresh, errors) are the core's; this checks the
// Node shapes: values in, values and HErrors out, cancellation, and a secret that never prints.

const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
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
  const before = (await engine.stats()).open_api_token_fetches
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => minapp.invoke('echo', { i })))
  results.forEach((r, i) => assert.equal(r.data.data.i, i))
  assert.equal((await engine.stats()).open_api_token_fetches, before + 1)
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

// Every method of the open API (GET, POST, PATCH, DELETE; the token step's multipart form) over each transport:
// Node's HTTP client on the event loop, and the addon's pool.
for (const transport of ['node', 'pooled']) {
  test(`a function is created, run, changed, listed and deleted (transport: '${transport}')`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minicloud-functions-'))
    const own = await startEngine({ dir, clientId: `node-manage-${transport}` })
    try {
      const minapp = new MinappServer({ clientId: own.clientId, clientSecret: SECRET, host: own.url, transport })
      const greet = "exports.main = function (event, callback) { callback(null, '你好，' + event.data.name) }"
      const created = await minapp.createFunction('greet', greet, { remark: '问候 🌏' })
      assert.equal(created.name, 'greet')
      assert.equal(created.remark, '问候 🌏')
      assert.equal((await minapp.invoke('greet', { name: '小明 🐼' })).data, '你好，小明 🐼')

      const changed = await minapp.updateFunction('greet', { code: greet.replace('你好', '再见') })
      assert.equal(changed.function_code, greet.replace('你好', '再见'))
      assert.equal((await minapp.invoke('greet', { name: 'Amy' })).data, '再见，Amy')
      assert.deepStrictEqual((await minapp.listFunctions()).objects.map((f) => f.name), ['greet'])
      assert.ok((await minapp.listJobs('greet')).objects.length >= 2)

      assert.equal(await minapp.deleteFunction('greet'), undefined)
      const gone = await rejection(minapp.getFunction('greet'))
      assert.equal(gone.code, 404)
    } finally {
      await own.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
}

test('a MinappServer with an unknown transport is HError 605 naming it', () => {
  assert.throws(
    () => new MinappServer({ clientId: 'c', clientSecret: 's', transport: 'carrier-pigeon' }),
    (e) => e instanceof HError && e.code === 605 && /transport must be 'node' or 'pooled'/.test(e.message),
  )
})
