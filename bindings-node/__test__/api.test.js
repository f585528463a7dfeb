'use strict'
// The package's API beyond the vectors: BaaS before init, the Client class, Node's autoLogin modes, the
// loginCode hook, the deprecation warning, HError fields. Against a loopback node:http server.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { promisify } = require('node:util')
const execFile = promisify(require('node:child_process').execFile)
const { BaaS, Client, HError } = require('..')
const { loopback } = require('./helpers')

const OK = '{"code":0,"data":null,"error":{}}'

function loginAnswer(token, id) {
  return JSON.stringify({ token, expires_in: 7200, user_id: id, user_info: { id } })
}

function header(seen, name) {
  const found = seen.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())
  return found ? found[1] : undefined
}

async function rejection(promise) {
  return promise.then(
    (value) => assert.fail(`resolved ${JSON.stringify(value)}`),
    (e) => e,
  )
}

// Must run before any BaaS.init in this process.
test('BaaS calls before init reject with HError 602', async () => {
  for (const call of [() => BaaS.invoke('f'), () => BaaS.invokeFunction('f'), () => BaaS.auth.login({ username: 'a', password: 'b' })]) {
    const error = await rejection(call())
    assert.ok(error instanceof HError)
    assert.equal(error.code, 602)
    assert.equal(error.message, '602: uninitialized')
    assert.equal(error.kind, 'uninitialized')
  }
  assert.throws(() => BaaS.clearSession(), (e) => e instanceof HError && e.code === 602)
})

test('BaaS.init with a non-string clientID throws HError 605', () => {
  assert.throws(
    () => BaaS.init(12345),
    (e) => e instanceof HError && e.code === 605 && e.message === '605: clientID must be a string, got a number',
  )
})

test('a Client sends the NODE platform and the core client version by default', async () => {
  const server = await loopback((seen, req, res) => res.end(OK))
  try {
    const client = new Client({ clientId: 'app', host: server.url })
    await client.invoke('f')
    const seen = server.requests[0]
    assert.equal(header(seen, 'X-Hydrogen-Client-Platform'), 'NODE')
    assert.equal(header(seen, 'X-Hydrogen-Client-Version'), client.clientVersion)
    assert.match(client.clientVersion, /^v\d+\.\d+\.\d+/)
    assert.equal(header(seen, 'X-Hydrogen-Client-ID'), 'app')
  } finally {
    await server.close()
  }
})

test('Client.invoke keeps absent params, null params and sync as given', async () => {
  const server = await loopback((seen, req, res) => res.end(OK))
  try {
    const client = new Client({ clientId: 'app', host: server.url })
    await client.invoke('f')
    await client.invoke('f', null)
    await client.invoke('f', undefined, { sync: false })
    await client.invoke('f', { b: 1, a: 2 }, { sync: true })
    assert.deepStrictEqual(
      server.requests.map((r) => r.body),
      [
        '{"function_name":"f","sync":true}',
        '{"function_name":"f","sync":true,"data":null}',
        '{"function_name":"f","sync":false}',
        '{"function_name":"f","sync":true,"data":{"b":1,"a":2}}',
      ],
    )
  } finally {
    await server.close()
  }
})

test('an HError carries the status and the request id of the answer', async () => {
  const server = await loopback((seen, req, res) => {
    res.writeHead(429, { 'x-request-id': 'req-429' })
    res.end('{"status":"error","error_msg":"slow down"}')
  })
  try {
    const error = await rejection(new Client({ clientId: 'app', host: server.url }).invoke('f'))
    assert.ok(error instanceof Error && error instanceof HError)
    assert.equal(error.name, 'HError')
    assert.equal(error.message, '429: slow down')
    assert.equal(error.status, 429)
    assert.equal(error.requestId, 'req-429')
    assert.equal(error.retryable, true)
    assert.equal(error.kind, 'rate_limited')
    assert.deepStrictEqual(error.details, { status: 'error', error_msg: 'slow down' })
  } finally {
    await server.close()
  }
})

test('two clients in one process keep separate sessions', async () => {
  let logins = 0
  const server = await loopback((seen, req, res) => {
    if (seen.path.startsWith('/hserve/v2.1/login/')) {
      logins += 1
      res.writeHead(201)
      res.end(loginAnswer(`tok-${logins}`, logins))
    } else res.end(OK)
  })
  try {
    const a = new Client({ clientId: 'app', host: server.url })
    const b = new Client({ clientId: 'app', host: server.url })
    await a.login({ username: 'a', password: 'pa' })
    await b.login({ username: 'b', password: 'pb' })
    await a.invoke('f')
    await b.invoke('f')
    const invokes = server.requests.filter((r) => r.path === '/hserve/v1/cloud-function/job/')
    assert.deepStrictEqual(
      invokes.map((r) => header(r, 'Authorization')),
      ['Hydrogen-r1 tok-1', 'Hydrogen-r1 tok-2'],
    )
  } finally {
    await server.close()
  }
})

test("autoLogin 'anonymous' logs in anonymously before the first call", async () => {
  const server = await loopback((seen, req, res) => {
    if (seen.path === '/hserve/v2.0/login/anonymous/') {
      res.writeHead(201)
      res.end(loginAnswer('tok-anon', 9))
    } else res.end(OK)
  })
  try {
    await new Client({ clientId: 'app', host: server.url, autoLogin: 'anonymous' }).invoke('f')
    assert.deepStrictEqual(
      server.requests.map((r) => r.path),
      ['/hserve/v2.0/login/anonymous/', '/hserve/v1/cloud-function/job/'],
    )
    assert.equal(header(server.requests[1], 'Authorization'), 'Hydrogen-r1 tok-anon')
  } finally {
    await server.close()
  }
})

test('autoLogin with credentials logs in with that account before the first call', async () => {
  const server = await loopback((seen, req, res) => {
    if (seen.path === '/hserve/v2.1/login/email/') {
      res.writeHead(201)
      res.end(loginAnswer('tok-mail', 3))
    } else res.end(OK)
  })
  try {
    const client = new Client({ clientId: 'app', host: server.url, autoLogin: { email: 'a@b.c', password: 'pw' } })
    await client.invoke('f')
    assert.equal(server.requests[0].body, '{"email":"a@b.c","password":"pw"}')
    assert.equal(header(server.requests[1], 'Authorization'), 'Hydrogen-r1 tok-mail')
  } finally {
    await server.close()
  }
})

test('autoLogin true with a loginCode hook silent-logs in with its code', async () => {
  const server = await loopback((seen, req, res) => {
    if (seen.path === '/hserve/v2.5/idp/wechat/silent-login/') {
      res.writeHead(201)
      res.end(loginAnswer('tok-wx', 4))
    } else res.end(OK)
  })
  try {
    const client = new Client({ clientId: 'app', host: server.url, platform: 'wx', autoLogin: true, loginCode: () => 'hook-code' })
    await client.invoke('f')
    assert.equal(server.requests[0].body, '{"create_user":true,"code":"hook-code","login_with_unionid":false}')
  } finally {
    await server.close()
  }
})

test('a rejecting loginCode hook is HError 614 and sends no login', async () => {
  const server = await loopback((seen, req, res) => res.end(OK))
  try {
    const client = new Client({
      clientId: 'app',
      host: server.url,
      platform: 'wx',
      loginCode: async () => {
        throw new Error('user said no')
      },
    })
    const error = await rejection(client.silentLogin())
    assert.ok(error instanceof HError)
    assert.equal(error.code, 614)
    assert.match(String(error.details), /user said no/)
    assert.equal(server.requests.length, 0)
  } finally {
    await server.close()
  }
})

test('silent login on the node platform is HError 611', async () => {
  const server = await loopback((seen, req, res) => res.end(OK))
  try {
    const error = await rejection(new Client({ clientId: 'app', host: server.url }).silentLogin())
    assert.equal(error.code, 611)
    assert.equal(error.kind, 'unsupported')
    assert.equal(server.requests.length, 0)
  } finally {
    await server.close()
  }
})

// In a fresh process, so "once per process" is what is measured: every warning of that process is counted,
// whatever its type or code, across BaaS.invokeFunction and two Clients' invokeFunction.
test('invokeFunction warns exactly once per process, as a DeprecationWarning', async () => {
  const script = `
    const http = require('node:http')
    const { BaaS, Client } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const warnings = []
    process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }))
    process.on('exit', () => console.log(JSON.stringify(warnings)))
    const server = http.createServer((req, res) => req.resume().on('end', () => res.end('{"code":0,"data":null,"error":{}}')))
    server.listen(0, '127.0.0.1', async () => {
      const host = 'http://127.0.0.1:' + server.address().port
      BaaS.init('app', { host })
      await BaaS.invokeFunction('f')
      await BaaS.invokeFunction('f', { 名: '余额' })
      for (const client of [new Client({ clientId: 'app', host }), new Client({ clientId: 'app2', host })]) {
        await client.invokeFunction('f')
        await client.invokeFunction('f')
      }
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
      server.close()
    })`
  const { stdout } = await execFile(process.execPath, ['-e', script])
  const warnings = JSON.parse(stdout)
  const aboutInvokeFunction = warnings.filter((w) => /invokeFunction/.test(w.message))
  assert.equal(aboutInvokeFunction.length, 1, JSON.stringify(warnings))
  assert.equal(warnings.length, 1, JSON.stringify(warnings))
  assert.equal(aboutInvokeFunction[0].name, 'DeprecationWarning')
  assert.equal(aboutInvokeFunction[0].message, 'invokeFunction is deprecated; use invoke')
})

test('the password never appears in a login error', async () => {
  const server = await loopback((seen, req, res) => {
    res.writeHead(400)
    res.end('{"error_msg":"invalid username or password","password":"pw-secret-9"}')
  })
  try {
    const error = await rejection(new Client({ clientId: 'app', host: server.url }).login({ username: 'a', password: 'pw-secret-9' }))
    assert.equal(error.message, '400: invalid username or password')
    assert.ok(!JSON.stringify({ ...error, message: error.message, stack: error.stack }).includes('pw-secret-9'))
  } finally {
    await server.close()
  }
})

// The timeout only turns a never-closed socket into a failure instead of a hang; no timing is asserted.
for (const transport of ['node', 'pooled']) {
  test(`aborting a call closes its connection: the server sees the socket close (transport ${transport})`, { timeout: 30000 }, async () => {
    let socketClosed
    const closed = new Promise((resolve) => {
      socketClosed = resolve
    })
    let arrived
    const requestArrived = new Promise((resolve) => {
      arrived = resolve
    })
    const server = await loopback((seen, req) => {
      req.socket.once('close', socketClosed)
      arrived() // and never answer
    })
    try {
      const controller = new AbortController()
      const call = new Client({ clientId: 'app', host: server.url, transport }).invoke('f', {}, { signal: controller.signal })
      await requestArrived
      controller.abort()
      const error = await rejection(call)
      assert.equal(error.kind, 'cancelled')
      assert.equal(error.message, '601: request cancelled')
      await closed
    } finally {
      await server.close()
    }
  })
}
