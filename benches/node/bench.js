'use strict'
// Invocations per second and p50/p99 latency at concurrency 1 and 64, in one run, against the same minimal
// responder (responder.js, a separate process), for:
//   minicloud  - this package (build the addon in release first: see benches/README.md)
//   fetch      - raw fetch (undici, keep-alive) sending the same request
//   minapp-sdk - the official minapp-sdk 3.23.6 (wx build) on a simulated wx host whose wx.request uses
//                node:http with a keep-alive agent
// Usage: node bench.js [callsPerRun]   (default 20000; warm-up 2000 per client and concurrency)
const http = require('node:http')
const path = require('node:path')
const { spawn } = require('node:child_process')

const CALLS = Number(process.argv[2] || 20000)
const WARMUP = Math.min(2000, Math.ceil(CALLS / 10))
const CLIENT_ID = 'a4d2d62965ddb57fa4d6'
const PARAMS = { name: 'allen' }

async function startResponder() {
  const child = spawn(process.execPath, [path.join(__dirname, 'responder.js')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())))
    child.once('exit', (code) => reject(new Error(`responder exited with ${code}`)))
  })
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() }
}

function minicloudClient(url) {
  const { Client } = require('../../bindings-node')
  const client = new Client({ clientId: CLIENT_ID, host: url })
  return () => client.invoke('helloWorld', PARAMS)
}

function fetchClient(url) {
  const headers = {
    'X-Hydrogen-Client-ID': CLIENT_ID,
    'X-Hydrogen-Client-Version': 'v0.1.0',
    'X-Hydrogen-Client-Platform': 'NODE',
    'X-Hydrogen-Client-SDK-Type': 'file',
    'content-type': 'application/json',
  }
  const target = `${url}/hserve/v1/cloud-function/job/`
  return async () => {
    const res = await fetch(target, {
      method: 'POST',
      headers,
      body: JSON.stringify({ function_name: 'helloWorld', sync: true, data: PARAMS }),
    })
    return res.json()
  }
}

/** The official SDK on a minimal simulated wx host (wx.request over node:http with a keep-alive agent). */
function officialClient(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  const storage = new Map()
  global.wx = {
    request(o) {
      const u = new URL(o.url)
      const method = String(o.method || 'GET').toUpperCase()
      const body = o.data === undefined || method === 'GET' ? null : typeof o.data === 'string' ? o.data : JSON.stringify(o.data)
      const headers = { ...(o.header || {}) }
      if (body !== null) {
        headers['content-type'] = 'application/json'
        headers['content-length'] = Buffer.byteLength(body)
      }
      const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let data = text
          try {
            data = JSON.parse(text)
          } catch {}
          o.success && o.success({ statusCode: res.statusCode, data, header: res.headers })
          o.complete && o.complete({})
        })
      })
      req.on('error', (e) => {
        o.fail && o.fail({ errMsg: `request:fail ${e.message}` })
        o.complete && o.complete({})
      })
      if (body !== null) req.write(body)
      req.end()
      return { abort() {} }
    },
    getNetworkType(o) {
      setImmediate(() => o.success && o.success({ networkType: 'wifi' }))
    },
    login(o) {
      setImmediate(() => o.success && o.success({ code: 'bench' }))
    },
    setStorageSync: (k, v) => storage.set(k, v),
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    removeStorageSync: (k) => storage.delete(k),
    getStorage({ key, success, fail }) {
      setImmediate(() => (storage.has(key) ? success && success({ data: storage.get(key) }) : fail && fail({ errMsg: 'getStorage:fail data not found' })))
    },
    setStorage({ key, data, success }) {
      storage.set(key, data)
      setImmediate(() => success && success({}))
    },
    getSystemInfoSync: () => ({ platform: 'android', SDKVersion: '3.3.4', version: '8.0.47', system: 'Android 14' }),
    getAccountInfoSync: () => ({ miniProgram: { appId: 'wxbench', envVersion: 'release', version: '' } }),
  }
  global.window = {}
  global.getApp = () => ({ globalData: {} })
  global.Page = () => {}
  global.App = () => {}
  global.Component = () => {}
  global.regeneratorRuntime = { mark: (fn) => fn, wrap() { throw new Error('not used') } }
  const BaaS = require('minapp-sdk')
  BaaS.init(CLIENT_ID, { host: url })
  return () => BaaS.invoke('helloWorld', PARAMS)
}

async function run(call, concurrency, total) {
  const latencies = new Float64Array(total)
  let next = 0
  const start = process.hrtime.bigint()
  async function worker() {
    while (next < total) {
      const i = next++
      const t0 = process.hrtime.bigint()
      const r = await call()
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6
      if (!r || r.code !== 0) throw new Error(`unexpected answer ${JSON.stringify(r)}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  latencies.sort()
  const pct = (p) => latencies[Math.min(total - 1, Math.floor((p / 100) * total))]
  return { opsPerSec: total / seconds, p50: pct(50), p99: pct(99) }
}

async function main() {
  const responder = await startResponder()
  const clients = { minicloud: minicloudClient, fetch: fetchClient, 'minapp-sdk': officialClient }
  const rows = []
  try {
    for (const [name, make] of Object.entries(clients)) {
      const call = make(responder.url)
      for (const concurrency of [1, 64]) {
        await run(call, concurrency, WARMUP)
        const r = await run(call, concurrency, CALLS)
        rows.push({ client: name, concurrency, ...r })
        console.error(`${name} c=${concurrency}: ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms`)
      }
    }
  } finally {
    responder.stop()
  }
  console.log(`\nnode ${process.version}, ${require('node:os').cpus().length} CPUs, ${CALLS} calls per run\n`)
  console.log('| client | concurrency | invocations/s | p50 ms | p99 ms | vs fetch (ops/s) |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    const base = rows.find((x) => x.client === 'fetch' && x.concurrency === r.concurrency)
    console.log(`| ${r.client} | ${r.concurrency} | ${r.opsPerSec.toFixed(0)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${(r.opsPerSec / base.opsPerSec).toFixed(2)}x |`)
  }
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
