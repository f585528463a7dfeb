'use strict'
// Calls per second, client CPU per call (process.cpuUsage of the client process: user + system, every thread)
// and p50/p99 latency of `invoke('helloWorld', {name: 'allen'})` at concurrency 1 and 64, against one minimal
// responder (responder.js, its own process). Each client runs in a fresh child process per measurement, in
// rounds (every client once per round), so load that drifts during the run is shared out; the table gives the
// median round. Clients:
//   minicloud            - this package (Client; event-loop driver; build the addon in release first: run.sh)
//   minicloud (pooled)   - this package with `transport: 'pooled'`: the machine on the event loop, each HTTP
//                          exchange on napi's tokio runtime with the core's reqwest transport
//   minicloud (off-loop) - a build of this package whose calls run on napi's tokio runtime with reqwest (the
//                          native async driver), when MINICLOUD_OFFLOOP_PACKAGE names its directory (run.sh
//                          builds one from a commit that still has it)
//   node:http            - a plain node:http client with a keep-alive Agent sending the same request bytes and
//                          parsing the JSON answer: the floor for a client on the event loop
//   node:http (deferred) - the same, each request sent from a setImmediate: with many calls in flight, the
//                          requests started while one poll phase's answers are handled go out together (what
//                          the official SDK's promise chain does, and minicloud's transport with calls in flight)
//   minapp-sdk           - the official minapp-sdk 3.23.6 (wx build) on a simulated wx host whose wx.request
//                          uses node:http with a keep-alive agent
// Usage: node bench.js [callsPerRun] [rounds]   (defaults 20000 and 3; warm-up 2000 calls per run); BENCH_C=1,64
// (the default) lists the concurrencies.
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const { spawn, execFileSync } = require('node:child_process')

const CLIENT_ID = 'a4d2d62965ddb57fa4d6'
const PARAMS = { name: 'allen' }
const CONCURRENCIES = (process.env.BENCH_C || '1,64').split(',').map(Number)

// ---- the clients (each made in its own child process) ----

function minicloudClient(url, dir = path.join(__dirname, '..', '..', 'bindings-node'), transport = undefined) {
  const { Client } = require(dir)
  const client = new Client(transport ? { clientId: CLIENT_ID, host: url, transport } : { clientId: CLIENT_ID, host: url })
  return () => client.invoke('helloWorld', PARAMS)
}

function pooledClient(url) {
  return minicloudClient(url, undefined, 'pooled')
}

function offLoopClient(url) {
  return minicloudClient(url, process.env.MINICLOUD_OFFLOOP_PACKAGE)
}

/** The same request bytes and headers as minicloud sends, with node:http and a keep-alive agent. */
function nodeHttpClient(url) {
  const agent = new http.Agent({ keepAlive: true })
  const target = new URL('/hserve/v1/cloud-function/job/', url)
  const headers = {
    'X-Hydrogen-Client-ID': CLIENT_ID,
    'X-Hydrogen-Client-Version': 'v0.1.0',
    'X-Hydrogen-Client-Platform': 'NODE',
    'X-Hydrogen-Client-SDK-Type': 'file',
    'content-type': 'application/json',
  }
  return () =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ function_name: 'helloWorld', sync: true, data: PARAMS })
      const req = http.request(target, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
          } catch (e) {
            reject(e)
          }
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    })
}

/** node:http as above, each request sent from a setImmediate (see the header). */
function nodeHttpDeferredClient(url) {
  const call = nodeHttpClient(url)
  return () => new Promise((resolve) => setImmediate(resolve)).then(call)
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

const CLIENTS = {
  minicloud: minicloudClient,
  'minicloud (pooled)': pooledClient,
  'minicloud (off-loop)': offLoopClient,
  'node:http': nodeHttpClient,
  'node:http (deferred)': nodeHttpDeferredClient,
  'minapp-sdk': officialClient,
}

/** `total` calls, `concurrency` at a time: calls/s, client CPU µs per call, p50/p99 ms. */
async function measure(call, concurrency, total) {
  const latencies = new Float64Array(total)
  let next = 0
  async function worker() {
    while (next < total) {
      const i = next++
      const t0 = process.hrtime.bigint()
      const r = await call()
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6
      if (!r || r.code !== 0) throw new Error(`unexpected answer ${JSON.stringify(r)}`)
    }
  }
  const cpu0 = process.cpuUsage()
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const cpu = process.cpuUsage(cpu0)
  latencies.sort()
  const pct = (p) => latencies[Math.min(total - 1, Math.floor((p / 100) * total))]
  return { callsPerSec: total / seconds, cpuUsPerCall: (cpu.user + cpu.system) / total, p50: pct(50), p99: pct(99) }
}

/** In a child process: make one client, warm it up, measure it once, print the result as JSON. */
async function child([name, concurrency, calls, url]) {
  const call = CLIENTS[name](url)
  const total = Number(calls)
  await measure(call, Number(concurrency), Math.min(2000, Math.ceil(total / 10)))
  const result = await measure(call, Number(concurrency), total)
  process.stdout.write(JSON.stringify(result))
  process.exit(0)
}

function runChild(name, concurrency, calls, url) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [__filename, '--child', name, String(concurrency), String(calls), url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    proc.stdout.on('data', (d) => (out += d))
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${name} c=${concurrency} exited with ${code}`))))
  })
}

async function startResponder() {
  const child = spawn(process.execPath, [path.join(__dirname, 'responder.js')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())))
    child.once('exit', (code) => reject(new Error(`responder exited with ${code}`)))
  })
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function main() {
  const calls = Number(process.argv[2] || 20000)
  const rounds = Number(process.argv[3] || 3)
  const names = Object.keys(CLIENTS).filter((n) => n !== 'minicloud (off-loop)' || process.env.MINICLOUD_OFFLOOP_PACKAGE)
  const loadBefore = os.loadavg()
  const responder = await startResponder()
  const runs = {}
  try {
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of CONCURRENCIES) {
        for (const name of names) {
          const r = await runChild(name, concurrency, calls, responder.url)
          ;(runs[`${name}|${concurrency}`] ||= []).push(r)
          console.error(`round ${round + 1} ${name} c=${concurrency}: ${r.callsPerSec.toFixed(0)} calls/s, ${r.cpuUsPerCall.toFixed(1)} µs CPU/call, p50 ${r.p50.toFixed(3)} ms`)
        }
      }
    }
  } finally {
    responder.stop()
  }
  const loadAfter = os.loadavg()
  const rows = []
  for (const concurrency of CONCURRENCIES) {
    for (const name of names) {
      const all = runs[`${name}|${concurrency}`]
      const callsPerSec = median(all.map((r) => r.callsPerSec))
      const chosen = all.find((r) => r.callsPerSec === callsPerSec)
      rows.push({ name, concurrency, ...chosen, cpuUsPerCall: median(all.map((r) => r.cpuUsPerCall)) })
    }
  }
  let commit = ''
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname }).toString().trim()
  } catch {}
  console.log(
    `\nnode ${process.version}, ${os.cpus().length} CPUs, ${calls} calls per run, median of ${rounds} rounds, commit ${commit}; ` +
      `load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} after\n`,
  )
  console.log('| client | concurrency | calls/s | CPU µs/call | p50 ms | p99 ms | calls/s vs node:http | CPU/call vs node:http | calls/s vs minapp-sdk |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    const floor = rows.find((x) => x.name === 'node:http' && x.concurrency === r.concurrency)
    const official = rows.find((x) => x.name === 'minapp-sdk' && x.concurrency === r.concurrency)
    console.log(
      `| ${r.name} | ${r.concurrency} | ${r.callsPerSec.toFixed(0)} | ${r.cpuUsPerCall.toFixed(1)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ` +
        `${(r.callsPerSec / floor.callsPerSec).toFixed(2)}x | ${(r.cpuUsPerCall / floor.cpuUsPerCall).toFixed(2)}x | ${(r.callsPerSec / official.callsPerSec).toFixed(2)}x |`,
    )
  }
}

if (process.argv[2] === '--child') {
  child(process.argv.slice(3)).catch((e) => {
    console.error(e)
    process.exit(1)
  })
} else {
  main().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
