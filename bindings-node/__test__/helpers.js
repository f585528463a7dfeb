'use strict'
// Shared test helpers: a loopback node:http server that records every request, and the engine started
// through the `minicloud` CLI binary.

const http = require('node:http')
const path = require('node:path')
const fs = require('node:fs')
const os = require('node:os')
const { spawn } = require('node:child_process')

const REPO = path.resolve(__dirname, '..', '..')

/** Headers a transport adds by itself; the vectors do not list them (tests/vectors/README.md). */
const TRANSPORT_HEADERS = new Set([
  'host',
  'content-type',
  'content-length',
  'accept',
  'accept-encoding',
  'user-agent',
  'connection',
  'keep-alive',
  'transfer-encoding',
])

/**
 * Starts a loopback server; `handler(seen, req, res)` answers each request, where `seen` is
 * `{method, path, headers: [[name, value]...] (SDK headers only, in order), contentType, body: string|null}`.
 * Resolves to `{url, requests, close}`.
 */
async function loopback(handler) {
  const requests = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const headers = []
      let contentType = null
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]
        if (name.toLowerCase() === 'content-type') contentType = req.rawHeaders[i + 1]
        if (!TRANSPORT_HEADERS.has(name.toLowerCase())) headers.push([name, req.rawHeaders[i + 1]])
      }
      const body = Buffer.concat(chunks)
      const seen = {
        method: req.method,
        path: req.url,
        headers,
        contentType,
        body: body.length ? body.toString('utf8') : null,
      }
      requests.push(seen)
      handler(seen, req, res)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port nothing listens on (bound, then released). */
async function closedPort() {
  const server = http.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'minicloud-node-'))
}

/** A temporary functions directory: `{name: index.js source}` → its path. */
function functionsDir(functions) {
  const dir = tempDir()
  for (const [name, code] of Object.entries(functions)) {
    fs.mkdirSync(path.join(dir, name))
    fs.writeFileSync(path.join(dir, name, 'index.js'), code)
  }
  return dir
}

/** The CLI binary built by `cargo build -p minicloud-cli` (MINICLOUD_BIN overrides). */
function cliBinary() {
  const bin = process.env.MINICLOUD_BIN || path.join(REPO, 'target', 'debug', 'minicloud')
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run cargo build -p minicloud-cli first`)
  return bin
}

/**
 * Starts `minicloud serve DIR --port 0 ...` and resolves to `{url, clientId, adminToken, logins(), close}`
 * once it printed its URL.
 */
async function startEngine({ dir = path.join(REPO, 'engine', 'tests', 'functions'), clientId = 'node-e2e', extra = [] } = {}) {
  const adminToken = 'admin-' + Math.random().toString(36).slice(2)
  const child = spawn(
    cliBinary(),
    ['serve', dir, '--port', '0', '--client-id', clientId, '--allow-anonymous', '--in-memory', ...extra],
    // The admin token goes through the environment: the engine takes no secret on its command line.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MINICLOUD_ADMIN_TOKEN: adminToken } },
  )
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`engine did not start within 60 s\n${stderr}`)), 60000)
    child.stdout.on('data', (d) => {
      out += d
      const m = /minicloud engine listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`engine exited with ${code}\n${stderr}`))
    })
  })
  child.removeAllListeners('exit')
  const exited = new Promise((resolve) => child.on('exit', resolve))
  return {
    url,
    clientId,
    adminToken,
    stderr: () => stderr,
    /** `GET /dev/v1/stats`: the engine's counters (login_count, token fetches, ...). */
    async stats() {
      const res = await fetch(`${url}/dev/v1/stats`, { headers: { Authorization: `Bearer ${adminToken}` } })
      if (!res.ok) throw new Error(`GET /dev/v1/stats: ${res.status} ${await res.text()}`)
      return res.json()
    },
    /** Successful logins since start. */
    async loginCount() {
      return (await this.stats()).login_count
    },
    /** `POST /dev/v1/{what}` (sessions/revoke, sessions/expire): expects 204. */
    async control(what) {
      const res = await fetch(`${url}/dev/v1/${what}`, { method: 'POST', headers: { Authorization: `Bearer ${adminToken}` } })
      if (res.status !== 204) throw new Error(`POST /dev/v1/${what}: ${res.status} ${await res.text()}`)
    },
    async close() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

module.exports = { loopback, closedPort, tempDir, functionsDir, startEngine, REPO }
