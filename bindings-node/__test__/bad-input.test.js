'use strict'
// Bad input: each a clear HError 605 naming the problem, and nothing sent (the loopback server sees no
// request).

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client, HError } = require('..')
const { loopback } = require('./helpers')

async function expect605(call, pattern) {
  const server = await loopback((seen, req, res) => res.end('{"code":0,"data":null,"error":{}}'))
  try {
    const client = new Client({ clientId: 'app', host: server.url })
    const error = await call(client).then(
      (value) => assert.fail(`resolved ${JSON.stringify(value)}`),
      (e) => e,
    )
    assert.ok(error instanceof HError, `not an HError: ${error}`)
    assert.equal(error.code, 605)
    assert.equal(error.kind, 'invalid_argument')
    assert.match(`${error.message} ${error.details ?? ''}`, pattern)
    assert.equal(server.requests.length, 0, 'nothing may be sent')
  } finally {
    await server.close()
  }
}

test('a number as function name is 605 naming the type', () =>
  expect605((c) => c.invoke(42, {}), /function name must be a string, got a number/))

test('null as function name is 605', () => expect605((c) => c.invoke(null), /function name must be a string, got null/))

test('an object as function name is 605', () =>
  expect605((c) => c.invoke({ name: 'f' }), /function name must be a string, got an object/))

test('a bigint as function name is 605', () => expect605((c) => c.invoke(1n), /function name must be a string, got a bigint/))

test('an empty function name is 605', () => expect605((c) => c.invoke(''), /function name must be a non-empty string/))

test('a missing function name is 605', () => expect605((c) => c.invoke(), /function name must be a string/))

test('params holding a BigInt are 605', () =>
  expect605((c) => c.invoke('f', { n: 10n }), /params cannot be encoded as JSON: .*BigInt/))

test('params with a cycle are 605', () => {
  const params = { a: 1 }
  params.self = params
  return expect605((c) => c.invoke('f', params), /params cannot be encoded as JSON: .*circular/)
})

test('a function as params is 605', () =>
  expect605((c) => c.invoke('f', () => 1), /params cannot be encoded as JSON: a function has no JSON form/))

test('options that are not an object are 605', () =>
  expect605((c) => c.invoke('f', {}, 'sync'), /invoke options must be an object .*got a string/))

test('options given as an array are 605', () =>
  expect605((c) => c.invoke('f', {}, [true]), /invoke options must be an object .*got an array/))

test('an unknown invoke option is 605', () =>
  expect605((c) => c.invoke('f', {}, { timeout: 5 }), /unknown invoke option "timeout"/))

test('a non-boolean sync is 605', () => expect605((c) => c.invoke('f', {}, { sync: 'yes' }), /sync must be a boolean, got a string/))

test('a string timeoutMs is 605', () =>
  expect605((c) => c.invoke('f', {}, { timeoutMs: '100' }), /timeoutMs must be a number of milliseconds, got a string/))

// The core's one rule for time limits, the same on every binding.
test('a negative timeoutMs is 605', () =>
  expect605((c) => c.invoke('f', {}, { timeoutMs: -1 }), /^605: timeoutMs must be a number of milliseconds from 1 to 2147483647, got -1 /))

test('a zero timeoutMs is 605', () =>
  expect605((c) => c.invoke('f', {}, { timeoutMs: 0 }), /^605: timeoutMs must be a number of milliseconds from 1 to 2147483647, got 0 /))

test('a NaN timeoutMs is 605', () =>
  expect605((c) => c.invoke('f', {}, { timeoutMs: NaN }), /, got NaN /))

test('a finite but huge timeoutMs is 605, not a crash', () =>
  expect605((c) => c.invoke('f', {}, { timeoutMs: 1e300 }), /, got 1e\+300 /))

test('a signal that is not an AbortSignal is 605', () =>
  expect605((c) => c.invoke('f', {}, { signal: { aborted: false } }), /signal must be an AbortSignal/))

test('login without an object is 605', () =>
  expect605((c) => c.login('allen'), /login expects an object .*got a string/))

test('login with a non-string password is 605', () =>
  expect605((c) => c.login({ username: 'allen', password: 123 }), /password must be a string/))

test('sms login with a non-string phone is 605', () =>
  expect605((c) => c.loginWithSmsVerificationCode(138, '123456'), /phone must be a string, got a number/))

test('a Client without options throws 605', () => {
  assert.throws(() => new Client(), (e) => e instanceof HError && e.code === 605 && /Client options must be an object/.test(e.message))
})

test('a Client with a non-string clientId throws 605', () => {
  assert.throws(() => new Client({ clientId: 7 }), (e) => e instanceof HError && e.code === 605 && /clientID must be a string/.test(e.message))
})

test('a Client with an empty clientId throws 605', () => {
  assert.throws(() => new Client({ clientId: '' }), (e) => e instanceof HError && e.code === 605 && /non-empty/.test(e.message))
})

test('a Client with an unknown option throws 605', () => {
  assert.throws(() => new Client({ clientId: 'a', hots: 'x' }), (e) => e.code === 605 && /unknown Client option "hots"/.test(e.message))
})

test('a Client with a wrong-typed option throws 605', () => {
  assert.throws(() => new Client({ clientId: 'a', syncTimeoutMs: '5' }), (e) => e.code === 605 && /syncTimeoutMs must be a number, got a string/.test(e.message))
})

test('a Client with a host that is not http(s) throws 605', () => {
  assert.throws(() => new Client({ clientId: 'a', host: 'ftp://x' }), (e) => e.code === 605 && /host must start with http/.test(e.message))
})

test('a Client with an unknown platform throws 605', () => {
  assert.throws(() => new Client({ clientId: 'a', platform: 'palm' }), (e) => e.code === 605 && /unknown platform "palm"/.test(e.message))
})

test('autoLogin true without a loginCode hook throws 605', () => {
  assert.throws(() => new Client({ clientId: 'a', autoLogin: true }), (e) => e.code === 605 && /loginCode hook/.test(e.message))
})

test('autoLogin credentials without a password throw 605', () => {
  assert.throws(() => new Client({ clientId: 'a', autoLogin: { username: 'u' } }), (e) => e.code === 605 && /password must be a string/.test(e.message))
})

test('a session file that is not a JSON object throws 605', () => {
  const fs = require('node:fs')
  const path = require('node:path')
  const { tempDir } = require('./helpers')
  const dir = tempDir()
  const file = path.join(dir, 'session.json')
  fs.writeFileSync(file, '[1,2]')
  try {
    assert.throws(() => new Client({ clientId: 'a', sessionFile: file }), (e) => e.code === 605 && /not a JSON object/.test(e.message))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
