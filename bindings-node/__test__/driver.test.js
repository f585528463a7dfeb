'use strict'
// The event-loop driver (lib/driver.js, lib/transport.js): what it does with Node's own resources — the one
// timer per call, connections, the session file, parked calls — against loopback servers. The protocol
// outcomes themselves are the vectors' (vectors.test.js).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { promisify } = require('node:util')
const execFile = promisify(require('node:child_process').execFile)
const { Client, HError, WeChatCloud } = require('..')
const { loopback, tempDir } = require('./helpers')

const OK = '{"code":0,"data":"好","error":{}}'
const PACKAGE = path.join(__dirname, '..')
const TRANSPORTS = ['node', 'pooled']

async function rejection(promise) {
  return promise.then((value) => assert.fail(`resolved ${JSON.stringify(value)}`), (e) => e)
}

function timers() {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}

test("every call's deadline timer is cleared when the call ends", async () => {
  const server = await loopback((seen, req, res) => (seen.body.includes('"fails"') ? res.writeHead(500).end() : res.end(OK)))
  try {
    const client = new Client({ clientId: 'app', host: server.url })
    const before = timers()
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.invoke(i % 2 ? 'fails' : 'ok').catch((e) => e)))
    assert.equal(timers(), before)
  } finally {
    await server.close()
  }
})

test('no exchange stays counted in flight once concurrent calls end, fail, time out or are cancelled', async () => {
  const server = await loopback((seen, req, res) => {
    if (seen.body.includes('"slow"')) return setTimeout(() => res.end(OK), 300)
    if (seen.body.includes('"fails"')) return res.writeHead(500).end()
    res.end(OK)
  })
  try {
    const client = new Client({ clientId: 'app', host: server.url })
    const aborts = []
    const calls = Array.from({ length: 40 }, (_, i) => {
      if (i % 4 === 0) return client.invoke('ok')
      if (i % 4 === 1) return client.invoke('fails').catch((e) => e)
      if (i % 4 === 2) return client.invoke('slow', {}, { timeoutMs: 50 }).catch((e) => e)
      const abort = new AbortController()
      aborts.push(abort)
      return client.invoke('slow', {}, { signal: abort.signal }).catch((e) => e)
    })
    aborts.forEach((abort) => abort.abort())
    const outcomes = await Promise.all(calls)
    assert.equal(outcomes.filter((o) => o instanceof HError && o.kind === 'cancelled').length, 10)
    assert.equal(outcomes.filter((o) => o instanceof HError && o.kind === 'timeout').length, 10)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(client._driver.transport.inFlight, 0)
  } finally {
    await server.close()
  }
})

// The child's process must end by itself once its call is over: nothing the driver leaves behind (a timer, an
// idle keep-alive connection, the pooled transport's runtime threads) keeps it alive. The test's own time limit
// only turns a hang into a failure.
for (const transport of TRANSPORTS) {
  test(`a process whose calls are over exits by itself (transport ${transport})`, { timeout: 30000 }, async () => {
    const server = await loopback((seen, req, res) => res.end(OK))
    try {
      const script = `
        const { Client } = require(${JSON.stringify(PACKAGE)})
        new Client({ clientId: 'app', host: ${JSON.stringify(server.url)}, transport: '${transport}' }).invoke('f').then((r) => console.log(r.data))`
      const { stdout } = await execFile(process.execPath, ['-e', script])
      assert.equal(stdout.trim(), '好')
    } finally {
      await server.close()
    }
  })

  test(`an answer over maxResponseBytes stops being read: 601 and the connection is closed (transport ${transport})`, { timeout: 30000 }, async () => {
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
      const client = new Client({ clientId: 'app', host: server.url, maxResponseBytes: 64 * 1024, transport })
      const error = await rejection(client.invoke('f'))
      assert.ok(error instanceof HError)
      assert.equal(error.code, 601)
      assert.equal(error.kind, 'response_too_large')
      assert.equal(error.message, '601: response body exceeds the 65536-byte limit')
      await socketClosed
    } finally {
      await server.close()
    }
  })
}

test('the session file a login writes is readable by its owner only, and no temporary file is left', async () => {
  const dir = tempDir()
  const server = await loopback((seen, req, res) => {
    res.writeHead(201)
    res.end('{"token":"令牌-tok","expires_in":7200,"user_id":3}')
  })
  try {
    const sessionFile = path.join(dir, '会话.json')
    await new Client({ clientId: 'app', host: server.url, sessionFile }).anonymousLogin()
    const stored = JSON.parse(fs.readFileSync(sessionFile, 'utf8'))
    assert.equal(stored.ifx_baas_auth_token, '令牌-tok')
    assert.equal(stored.ifx_baas_is_anonymous_user, 1)
    if (process.platform !== 'win32') assert.equal(fs.statSync(sessionFile).mode & 0o777, 0o600)
    assert.deepStrictEqual(fs.readdirSync(dir), ['会话.json'])
  } finally {
    await server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('cancelling the call that leads a login hands the login to a waiting call, which succeeds', { timeout: 30000 }, async () => {
  let logins = 0
  let firstLogin
  const firstLoginArrived = new Promise((resolve) => (firstLogin = resolve))
  const server = await loopback((seen, req, res) => {
    if (seen.path === '/hserve/v2.0/login/anonymous/') {
      logins += 1
      if (logins === 1) return firstLogin() // the leader's login: never answered
      res.writeHead(201)
      return res.end('{"token":"tok-2","expires_in":7200,"user_id":2}')
    }
    res.end(OK)
  })
  try {
    const client = new Client({ clientId: 'app', host: server.url, autoLogin: 'anonymous' })
    const controller = new AbortController()
    const leader = client.invoke('f', {}, { signal: controller.signal })
    const waiter = client.invoke('f', { 名: '值' })
    await firstLoginArrived
    controller.abort()
    assert.equal((await rejection(leader)).kind, 'cancelled')
    assert.deepStrictEqual(await waiter, JSON.parse(OK))
    assert.equal(logins, 2)
    const invoke = server.requests.find((r) => r.path === '/hserve/v1/cloud-function/job/')
    assert.ok(invoke.headers.some(([k, v]) => k === 'Authorization' && v === 'Hydrogen-r1 tok-2'))
  } finally {
    await server.close()
  }
})

test('a WeChat system error is retried after a backoff and the call then succeeds', async () => {
  let invokes = 0
  const server = await loopback((seen, req, res) => {
    if (seen.path.startsWith('/cgi-bin/stable_token')) return res.end('{"access_token":"at-1","expires_in":7200}')
    invokes += 1
    res.end(invokes === 1 ? '{"errcode":-1,"errmsg":"system error 系统繁忙"}' : '{"errcode":0,"errmsg":"ok","resp_data":"{\\"答\\":42}"}')
  })
  try {
    const cloud = new WeChatCloud({ appId: 'wx1', appSecret: 'secret-1', env: 'e1', baseUrl: server.url })
    assert.deepStrictEqual(await cloud.invokeCloudFunction('f', { q: '问' }), { 答: 42 })
    assert.equal(invokes, 2)
  } finally {
    await server.close()
  }
})
