'use strict'
// End to end: the package against the real local engine (`minicloud serve`, started through the CLI
// binary) over loopback, running the functions in engine/tests/functions.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Client, HError } = require('..')
const { startEngine, tempDir } = require('./helpers')

let engine
let dir

test.before(async () => {
  engine = await startEngine({ extra: ['--pool-size', '8'] })
  dir = tempDir()
})

test.after(async () => {
  if (engine) await engine.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

let users = 0
/** A registered user's credentials (a fresh user per call). */
async function newUser() {
  users += 1
  const credentials = { username: `node-user-${process.pid}-${users}`, password: 'pw-secret-1' }
  await new Client({ clientId: engine.clientId, host: engine.url }).register(credentials)
  return credentials
}

function anonymousClient(options = {}) {
  return new Client({ clientId: engine.clientId, host: engine.url, autoLogin: 'anonymous', ...options })
}

function writeSession(values) {
  const file = path.join(dir, `session-${Math.random().toString(36).slice(2)}.json`)
  fs.writeFileSync(file, JSON.stringify(values))
  return file
}

async function rejection(promise) {
  return promise.then(
    (value) => assert.fail(`resolved ${JSON.stringify(value)}`),
    (e) => e,
  )
}

test('a sync invoke resolves to the function result', async () => {
  const result = await anonymousClient().invoke('helloWorld', { name: 'allen' })
  assert.deepStrictEqual(result, { code: 0, data: 'hello allen', error: {} })
})

test('an async invoke resolves to status ok', async () => {
  const result = await anonymousClient().invoke('helloWorld', { name: 'allen' }, { sync: false })
  const status = result.status ?? (result.data && result.data.status)
  assert.equal(status, 'ok')
})

test('params reach the function unchanged and absent params stay absent', async () => {
  const client = anonymousClient()
  const given = await client.invoke('echo', { z: 1, a: [true, null, '中文'] })
  assert.deepStrictEqual(given.data.data, { z: 1, a: [true, null, '中文'] })
  const absent = await client.invoke('echo')
  assert.equal(absent.data.data, 'absent')
})

test('an unknown function is HError 404 not found', async () => {
  const error = await rejection(anonymousClient().invoke('noSuchFunction'))
  assert.ok(error instanceof HError)
  assert.equal(error.code, 404)
  assert.equal(error.message, '404: not found')
  assert.equal(error.kind, 'not_found')
  assert.equal(error.status, 404)
  assert.equal(error.retryable, false)
})

test('an invalid token is HError 401 without auto-login', async () => {
  const sessionFile = writeSession({ ifx_baas_auth_token: 'not-a-real-token', ifx_baas_session_expires_at: 4102444800 })
  const client = new Client({ clientId: engine.clientId, host: engine.url, sessionFile })
  const error = await rejection(client.invoke('helloWorld', { name: 'x' }))
  assert.ok(error instanceof HError)
  assert.equal(error.code, 401)
  assert.equal(error.kind, 'unauthenticated')
  assert.match(error.message, /^401: /)
  assert.ok(!JSON.stringify(error.details).includes('not-a-real-token'), 'the token must not leak into details')
})

test('a function that throws resolves with code 1', async () => {
  const result = await anonymousClient().invoke('throws')
  assert.equal(result.code, 1)
  assert.equal(result.data, null)
  assert.match(result.error.message, /boom/)
})

test('a password login is kept in the session file for the next client', async () => {
  const credentials = await newUser()
  const sessionFile = path.join(dir, 'kept.json')
  const first = new Client({ clientId: engine.clientId, host: engine.url, sessionFile })
  const login = await first.login(credentials)
  assert.equal(login.isAnonymous, false)
  const stored = JSON.parse(fs.readFileSync(sessionFile, 'utf8'))
  assert.equal(typeof stored.ifx_baas_auth_token, 'string')
  assert.ok(!JSON.stringify(login).includes(stored.ifx_baas_auth_token), 'the login result must not carry the token')
  const second = new Client({ clientId: engine.clientId, host: engine.url, sessionFile })
  const result = await second.invoke('echo', {})
  assert.equal(result.data.user.id, login.userId)
})

test('a session file that cannot be written is reported once as a MinicloudWarning', async () => {
  const parent = path.join(dir, `unwritable-${process.pid}`)
  const sessionFile = path.join(parent, 'session.json')
  const client = new Client({ clientId: engine.clientId, host: engine.url, sessionFile })
  fs.writeFileSync(parent, 'a file where the session directory should be')
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    await client.anonymousLogin() // stores six keys, each a failed write
    // Warnings arrive on later ticks of the event loop: wait for the first, then let any others through.
    for (let i = 0; i < 500 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
  } finally {
    process.off('warning', onWarning)
  }
  const ours = warnings.filter((w) => w.name === 'MinicloudWarning')
  assert.equal(ours.length, 1, `one MinicloudWarning for the failing file (got ${ours.map((w) => w.message).join(' | ') || 'none'})`)
  const [warning] = ours
  assert.equal(warning.code, 'MINICLOUD_WARN')
  assert.match(warning.message, /^could not write the session file path=.*session\.json error=/)
})

// The rules are the machine's whatever sends the requests; this runs them through both transports once.
for (const transport of ['node', 'pooled']) {
  test(`an expired session under 100 concurrent calls makes exactly one login (transport ${transport})`, async () => {
    const credentials = await newUser()
    const sessionFile = writeSession({ ifx_baas_auth_token: 'stale-token', ifx_baas_session_expires_at: 1 })
    const client = new Client({ clientId: engine.clientId, host: engine.url, sessionFile, autoLogin: credentials, transport })
    const before = await engine.loginCount()
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => client.invoke('echo', { i })))
    results.forEach((r, i) => assert.deepStrictEqual(r.data.data, { i }))
    const stored = JSON.parse(fs.readFileSync(sessionFile, 'utf8'))
    assert.notEqual(stored.ifx_baas_auth_token, 'stale-token')
    assert.ok(stored.ifx_baas_session_expires_at > Date.now() / 1000)
    assert.equal((await engine.loginCount()) - before, 1)
  })
}

test('after the engine revokes every session, auto-login logs in once more and the call succeeds', async () => {
  const client = anonymousClient()
  assert.equal((await client.invoke('echo', {})).code, 0)
  const before = await engine.loginCount()
  await engine.control('sessions/revoke')
  const result = await client.invoke('echo', { again: true })
  assert.deepStrictEqual(result.data.data, { again: true })
  assert.equal((await engine.loginCount()) - before, 1)
})

test('an AbortSignal cancels a call mid-flight with kind cancelled', async () => {
  const controller = new AbortController()
  const call = anonymousClient().invoke('slow', { hang: true }, { signal: controller.signal })
  setTimeout(() => controller.abort(), 300)
  const error = await rejection(call)
  assert.ok(error instanceof HError)
  assert.equal(error.kind, 'cancelled')
  assert.equal(error.code, 601)
  assert.equal(error.retryable, false)
})

test('an already aborted signal sends nothing and rejects as cancelled', async () => {
  const error = await rejection(anonymousClient().invoke('helloWorld', { name: 'x' }, { signal: AbortSignal.abort() }))
  assert.equal(error.kind, 'cancelled')
})

for (const transport of ['node', 'pooled']) {
  test(`a per-call timeoutMs ends the call with kind timeout (transport ${transport})`, async () => {
    const error = await rejection(anonymousClient({ transport }).invoke('slow', { hang: true }, { timeoutMs: 300 }))
    assert.ok(error instanceof HError)
    assert.equal(error.kind, 'timeout')
    assert.equal(error.code, 601)
    assert.equal(error.message, '601: request timeout')
    assert.equal(error.retryable, true)
  })
}

test('1000 concurrent invocations all succeed', async () => {
  const client = anonymousClient()
  await client.anonymousLogin()
  const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.invoke('echo', { i })))
  results.forEach((r, i) => {
    assert.equal(r.code, 0)
    assert.deepStrictEqual(r.data.data, { i })
  })
})
