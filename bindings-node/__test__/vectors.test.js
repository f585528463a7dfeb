'use strict'
// Replays every shared vector (tests/vectors/*.json) through the package's BaaS API against a loopback
// node:http server answering as the vector scripts: requests (method, path, SDK headers in order, body
// bytes), outcomes and the session file afterwards must be what the vector says.
// MINICLOUD_VECTORS=dir replays another directory (e.g. mutated copies, to see the runner fail).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { BaaS, Client, HError } = require('..')
const { loopback, closedPort, tempDir, REPO } = require('./helpers')

const VECTORS = process.env.MINICLOUD_VECTORS || path.join(REPO, 'tests', 'vectors')
const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort()

/** Small enough to keep the run short, far above a loopback answer. */
const TIMEOUT_VECTOR_LIMIT_MS = 500

function skipReason(vector) {
  const failures = vector.exchanges.map((e) => e.failure).filter(Boolean)
  if (failures.includes('offline')) {
    return 'offline cannot be simulated in Node: there is no host network state (the core decides 600 from the host)'
  }
  return null
}

function normalise(request, version) {
  return {
    method: request.method,
    path: request.path,
    headers: request.headers.map(([k, v]) => [k.toLowerCase(), v === version ? '$VERSION' : v]),
    body: request.body,
  }
}

/** A number as vectors write it: JSON numbers, or "NaN", "Infinity", "-Infinity". */
const vectorNumber = (n) => (typeof n === 'string' ? Number(n) : n)

const ops = {
  invoke: (...args) => BaaS.invoke(...args),
  invokeFunction: (...args) => BaaS.invokeFunction(...args),
  login: (...args) => BaaS.auth.login(...args),
  register: (...args) => BaaS.auth.register(...args),
  loginWithSms: (...args) => BaaS.auth.loginWithSmsVerificationCode(...args),
  anonymousLogin: () => BaaS.auth.anonymousLogin(),
  silentLogin: () => BaaS.auth.silentLogin(),
  logout: () => BaaS.auth.logout(),
  clearSession: async () => BaaS.clearSession(),
}

function checkOutcome(index, expect, outcome) {
  if ('result' in expect) {
    assert.ok(outcome.ok, `call ${index}: rejected with ${outcome.error && outcome.error.message}`)
    assert.deepStrictEqual(outcome.value, expect.result, `call ${index}: result`)
  } else if ('ok' in expect) {
    assert.ok(outcome.ok, `call ${index}: rejected with ${outcome.error && outcome.error.message}`)
  } else {
    assert.ok(!outcome.ok, `call ${index}: resolved ${JSON.stringify(outcome.value)}, expected an error`)
    const e = outcome.error
    assert.ok(e instanceof HError, `call ${index}: not an HError: ${e}`)
    assert.ok(e instanceof Error)
    for (const field of ['code', 'message', 'kind', 'status', 'retryable']) {
      if (field in expect.error) assert.deepStrictEqual(e[field], expect.error[field], `call ${index}: error ${field}`)
    }
  }
}

for (const file of files) {
  const vector = JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'))
  const reason = skipReason(vector)
  test(vector.name, { skip: reason || false }, async () => {
    const refused = vector.exchanges.some((e) => e.failure === 'refused')
    const exchanges = vector.exchanges.map((e) => ({ ...e, used: false }))
    const problems = []
    let version = null
    const server = await loopback((seen, req, res) => {
      const got = normalise(seen, version)
      const expected = (e) => JSON.stringify(normalise(e.request, null)) === JSON.stringify(got)
      const i = vector.concurrent
        ? exchanges.findIndex((e) => !e.used && expected(e))
        : (() => {
            const first = exchanges.findIndex((e) => !e.used)
            return first >= 0 && expected(exchanges[first]) ? first : -1
          })()
      if (i < 0) {
        const next = exchanges.find((e) => !e.used)
        problems.push(`unexpected request\n  sent:     ${JSON.stringify(got)}\n  expected: ${next ? JSON.stringify(normalise(next.request, null)) : 'no more requests'}`)
        req.socket.destroy()
        return
      }
      if (seen.body !== null && seen.contentType !== 'application/json') {
        problems.push(`a body sent with content-type ${seen.contentType}`)
      }
      const exchange = exchanges[i]
      exchange.used = true
      if (exchange.failure === 'timeout' || exchange.failure === 'hang') return // never answer
      if (exchange.failure === 'reset') {
        req.socket.resetAndDestroy()
        return
      }
      res.writeHead(exchange.response.status, exchange.response.headers || {})
      res.end(exchange.response.body || '')
    })
    const dir = tempDir()
    try {
      const sessionFile = path.join(dir, 'session.json')
      fs.writeFileSync(sessionFile, JSON.stringify(vector.storage || {}))
      const c = vector.config
      const host = refused ? `http://127.0.0.1:${await closedPort()}` : server.url
      const hostEnv = vector.hostEnv || {}
      const options = { host, platform: c.platform, autoLogin: c.autoLogin, sessionFile, nowSecs: vector.now }
      if (c.env !== undefined) options.env = c.env
      if (c.maxRequestBytes !== undefined) options.maxRequestBytes = c.maxRequestBytes
      if (c.maxResponseBytes !== undefined) options.maxResponseBytes = c.maxResponseBytes
      if (hostEnv.loginCode !== undefined) options.loginCode = async () => hostEnv.loginCode
      if (hostEnv.loginHangs) options.loginCode = () => new Promise(() => {})
      if (hostEnv.loginFails !== undefined) {
        options.loginCode = async () => {
          throw new Error(hostEnv.loginFails)
        }
      }
      if (hostEnv.appName !== undefined) options.appName = hostEnv.appName
      if (vector.exchanges.some((e) => e.failure === 'timeout')) options.syncTimeoutMs = TIMEOUT_VECTOR_LIMIT_MS
      BaaS.init(c.clientId, options)

      // The version header value the client sends stands for $VERSION.
      version = new Client({ clientId: c.clientId }).clientVersion
      // A per-call time limit is an invoke option of the Client API (BaaS.invoke has the official shape).
      const timed = new Client({ ...options, clientId: c.clientId })
      const start = (call) =>
        'timeoutMs' in call
          ? timed.invoke(call.args[0], call.args[1], { sync: call.args[2], timeoutMs: vectorNumber(call.timeoutMs) })
          : ops[call.op](...call.args)

      const run = (call) =>
        start(call).then(
          (value) => ({ ok: true, value }),
          (error) => ({ ok: false, error }),
        )
      let outcomes
      if (vector.concurrent) {
        outcomes = await Promise.all(vector.calls.map(run))
      } else {
        outcomes = []
        for (const call of vector.calls) outcomes.push(await run(call))
      }
      vector.calls.forEach((call, i) => checkOutcome(i, call.expect, outcomes[i]))
      if (refused) {
        // Nothing can listen on a refused port, so the request itself is not seen: mark it used.
        for (const e of exchanges) if (e.failure === 'refused') e.used = true
      }
      assert.deepStrictEqual(problems, [])
      assert.deepStrictEqual(
        exchanges.filter((e) => !e.used).map((e) => `${e.request.method} ${e.request.path}`),
        [],
        'requests never sent',
      )
      if (vector.storageAfter) {
        const stored = fs.existsSync(sessionFile) ? JSON.parse(fs.readFileSync(sessionFile, 'utf8')) : {}
        for (const [key, want] of Object.entries(vector.storageAfter)) {
          const got = stored[key]
          if (want === null) {
            assert.ok(got === undefined || got === null || got === '', `storage ${key}: ${JSON.stringify(got)}, expected empty`)
          } else {
            assert.deepStrictEqual(got, want, `storage ${key}`)
          }
        }
      }
    } finally {
      await server.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
}

test('every vector file was found', () => {
  assert.ok(files.length >= 40, `expected at least 40 vectors, found ${files.length}`)
})
