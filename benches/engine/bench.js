// Engine benchmark: warm invoke latency and throughput through `minicloud serve` (persistence on: a data
// directory in a temp dir), against
//  - the floor: a bare Node HTTP server calling the same function in-process,
//  - the isolation floor: a bare Node HTTP server handing each call to one warm worker process over IPC, and
//  - the isolation floor with the engine's semantics: 8 warm worker processes, one job each at a time, and
//  - a spawn-a-process-per-call baseline;
// every floor handing `main` an event of the engine's shape and size;
// plus the engine's cold start (first call of a function: worker spawn + require), and the engine's resident
// memory after N async jobs that each return 1 MB, and after listing all their records.
// All speak the same invoke wire (POST /hserve/v1/cloud-function/job/) and are driven by the same
// keep-alive client in one run.
// Usage: node bench.js [--requests N] [--big-jobs N] [--bin path/to/minicloud]
'use strict'
const http = require('node:http')
const path = require('node:path')
const fs = require('node:fs')
const os = require('node:os')
const { spawn, execFileSync } = require('node:child_process')

const args = process.argv.slice(2)
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt }
const REQUESTS = Number(opt('--requests', 2000))
const BIG_JOBS = Number(opt('--big-jobs', 10000))
// --no-persistence: engines keep their state in memory (to measure what persistence costs).
const PERSIST = !args.includes('--no-persistence')
const ROOT = path.resolve(__dirname, '../..')
const BIN = opt('--bin', path.join(ROOT, 'target/release/minicloud'))
const EXAMPLES = path.join(ROOT, 'examples/functions')
// The examples plus `bigResult` (returns 1 MB), in a temp dir that also holds the engines' data directories.
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'minicloud-bench-'))
const FUNCTIONS = path.join(WORK, 'functions')
fs.cpSync(EXAMPLES, FUNCTIONS, { recursive: true })
fs.mkdirSync(path.join(FUNCTIONS, 'bigResult'))
fs.writeFileSync(path.join(FUNCTIONS, 'bigResult/index.js'), "const MB = 'x'.repeat(1 << 20)\nexports.main = async () => MB\n")
// A second copy of helloWorld: a function not yet called when the engine has been idle for a second.
fs.cpSync(path.join(FUNCTIONS, 'helloWorld'), path.join(FUNCTIONS, 'helloAgain'), { recursive: true })
const ADMIN = 'bench-admin-' + process.pid
let engines = 0
const BODY = JSON.stringify({ function_name: 'helloWorld', sync: true, data: { name: 'allen' } })

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

function post (base, pathname, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(pathname, base)
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

// `total` calls at `concurrency`: their latencies and the seconds they took.
async function run (label, base, headers, concurrency, total) {
  const latencies = []
  let next = 0
  const t0 = process.hrtime.bigint()
  async function lane () {
    while (next < total) {
      next++
      const s = process.hrtime.bigint()
      const r = await post(base, '/hserve/v1/cloud-function/job/', BODY, headers)
      latencies.push(Number(process.hrtime.bigint() - s) / 1e6)
      if (r.status !== 200 || !r.body.includes('hello allen')) throw new Error(`${label}: bad answer ${r.status} ${r.body}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return { latencies, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }
}

function summary (label, concurrency, latencies, seconds) {
  latencies.sort((a, b) => a - b)
  const pct = p => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]
  const total = latencies.length
  return { label, concurrency, total, rps: total / seconds, p50: pct(0.5), p99: pct(0.99) }
}

async function measure (label, base, headers, concurrency, total) {
  const { latencies, seconds } = await run(label, base, headers, concurrency, total)
  return summary(label, concurrency, latencies, seconds)
}

// The targets measured in ROUNDS interleaved rounds of `total / ROUNDS` calls each, so that a machine whose
// load drifts during the run weighs on every target alike.
const ROUNDS = 5
async function measureInterleaved (targets, concurrency, total) {
  const acc = targets.map(() => ({ latencies: [], seconds: 0 }))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, t] of targets.entries()) {
      const r = await run(t.label, t.base, t.headers, concurrency, Math.ceil(total / ROUNDS))
      acc[i].latencies.push(...r.latencies)
      acc[i].seconds += r.seconds
    }
  }
  return targets.map((t, i) => summary(t.label, concurrency, acc[i].latencies, acc[i].seconds))
}

// The event the floors hand to `main`: the shape and size of the engine's 知晓云 event for an anonymous
// caller (helloWorld prints its event, so a smaller event would make a floor's function cheaper).
let jobSeq = 0
function eventFor (data) {
  const jobId = (++jobSeq).toString(16).padStart(32, '0')
  return {
    data,
    request: {
      meta: { ip_address: '127.0.0.1', user_agent: null },
      user: { id: 1234567890, openid: 'anonymous-openid-0123456789abcdef', unionid: null, nickname: 'anonymous', avatar_url: '', is_anonymous: true }
    },
    eventType: 'invoke_cloud_function',
    jobId,
    miniappId: 'bench',
    timeLimitInMS: 5000,
    memoryLimitInMB: 256
  }
}

// The floor: the function runs in this server's own process.
function floorServer () {
  const fn = require(path.join(FUNCTIONS, 'helloWorld/index.js'))
  // The function prints its event; format it as the engine's workers do, into a sink.
  const { Writable } = require('node:stream')
  const sink = new Writable({ write (chunk, enc, cb) { cb() } })
  const quiet = new console.Console(sink)
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const job = JSON.parse(Buffer.concat(chunks))
      const saved = console.log; console.log = quiet.log.bind(quiet)
      fn.main(eventFor(job.data), (err, data) => {
        console.log = saved
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(err ? { code: 1, data: null, error: { message: String(err) } } : { code: 0, data, error: {} }))
      })
    })
  })
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${server.address().port}` })))
}

// The isolation floor: a Node HTTP server handing each call to one warm worker process over a pipe (what any
// engine that keeps functions out of its own process must pay: a second process hop per call).
function workerServer () {
  const code = `const fn=require(${JSON.stringify(path.join(FUNCTIONS, 'helloWorld/index.js'))});` +
    `process.on('message',j=>fn.main(j.event,(e,d)=>process.send({id:j.id,body:e?{code:1,data:null,error:{message:String(e)}}:{code:0,data:d,error:{}}})))`
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
  const waiting = new Map()
  let seq = 0
  child.on('message', m => { const r = waiting.get(m.id); waiting.delete(m.id); r(m.body) })
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const job = JSON.parse(Buffer.concat(chunks))
      const id = ++seq
      waiting.set(id, body => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(body)) })
      child.send({ id, event: eventFor(job.data) })
    })
  })
  server.on('close', () => child.kill())
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${server.address().port}` })))
}

// The isolation floor with the engine's semantics: 8 warm worker processes, each running one job at a time
// (as the engine and the clouds run one request per instance), further jobs queued for the first free one.
function poolServer (size) {
  const code = `const fn=require(${JSON.stringify(path.join(FUNCTIONS, 'helloWorld/index.js'))});` +
    `process.on('message',j=>fn.main(j.event,(e,d)=>process.send({id:j.id,body:e?{code:1,data:null,error:{message:String(e)}}:{code:0,data:d,error:{}}})))`
  const idle = []
  const queue = []
  const waiting = new Map()
  let seq = 0
  const children = Array.from({ length: size }, () => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
    child.on('message', m => {
      const r = waiting.get(m.id); waiting.delete(m.id); r(m.body)
      const next = queue.shift()
      if (next) next(child); else idle.push(child)
    })
    idle.push(child)
    return child
  })
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const job = JSON.parse(Buffer.concat(chunks))
      const run = (child) => {
        const id = ++seq
        waiting.set(id, body => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(body)) })
        child.send({ id, event: eventFor(job.data) })
      }
      const child = idle.pop()
      if (child) run(child); else queue.push(run)
    })
  })
  server.on('close', () => children.forEach(c => c.kill()))
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${server.address().port}` })))
}

// The baseline: a fresh Node process per call.
function spawnServer () {
  const runner = `const fn=require(${JSON.stringify(path.join(FUNCTIONS, 'helloWorld/index.js'))});console.log=()=>{};` +
    `let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const j=JSON.parse(s);fn.main(j.event,(e,d)=>process.stdout.write(JSON.stringify(e?{code:1,data:null,error:{message:String(e)}}:{code:0,data:d,error:{}})))})`
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const child = spawn(process.execPath, ['-e', runner])
      let out = ''
      child.stdout.on('data', c => { out += c })
      child.on('close', () => { res.setHeader('content-type', 'application/json'); res.end(out) })
      child.stdin.end(JSON.stringify({ event: eventFor(JSON.parse(Buffer.concat(chunks)).data) }))
    })
  })
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${server.address().port}` })))
}

function startEngine () {
  return new Promise((resolve, reject) => {
    // Persistence on: every engine gets its own data directory.
    const state = PERSIST ? ['--data-dir', path.join(WORK, `data-${engines++}`)] : ['--in-memory']
    const child = spawn(BIN, ['serve', FUNCTIONS, '--port', '0', '--client-id', 'bench', '--allow-anonymous', '--pool-size', '8', '--no-triggers', ...state], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, RUST_LOG: 'warn', MINICLOUD_ADMIN_TOKEN: ADMIN } })
    let buf = ''
    child.stdout.on('data', c => {
      buf += c
      const m = buf.match(/listening on (http:\/\/\S+)/)
      if (m) resolve({ child, base: m[1] })
    })
    child.on('exit', code => reject(new Error(`engine exited ${code}`)))
  })
}

async function engineHeaders (base) {
  const r = await post(base, '/hserve/v2.0/login/anonymous/', '{}', { 'X-Hydrogen-Client-ID': 'bench' })
  const token = JSON.parse(r.body).token
  return { 'X-Hydrogen-Client-ID': 'bench', Authorization: `Hydrogen-r1 ${token}` }
}

// Cold start, two ways per engine start: the first call right after the engine listens (Node may still be
// starting the spare worker), and the first call of another function once the engine has been idle for a
// second (the usual case: the spare is ready). Medians of `runs` engine starts.
async function coldStart (runs) {
  const first = []
  const idle = []
  const timed = async (base, body, headers, into) => {
    const s = process.hrtime.bigint()
    const r = await post(base, '/hserve/v1/cloud-function/job/', body, headers)
    into.push(Number(process.hrtime.bigint() - s) / 1e6)
    if (r.status !== 200 || !r.body.includes('hello allen')) throw new Error(`cold start: ${r.status} ${r.body}`)
  }
  for (let i = 0; i < runs; i++) {
    const engine = await startEngine()
    const headers = await engineHeaders(engine.base)
    await timed(engine.base, BODY, headers, first)
    await new Promise(resolve => setTimeout(resolve, 1000))
    await timed(engine.base, BODY.replace('helloWorld', 'helloAgain'), headers, idle)
    engine.child.kill('SIGTERM')
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  return { first: median(first), idle: median(idle) }
}

// What starting Node itself costs on this machine now: `node -e 0`, median of `runs`.
function nodeStart (runs) {
  const samples = []
  for (let i = 0; i < runs; i++) {
    const s = process.hrtime.bigint()
    execFileSync(process.execPath, ['-e', '0'])
    samples.push(Number(process.hrtime.bigint() - s) / 1e6)
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)]
}

function rssMb (pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)[1])
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

function get (base, pathname) {
  return new Promise((resolve, reject) => {
    http.get(new URL(pathname, base), { agent, headers: { Authorization: `Bearer ${ADMIN}` } }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
    }).on('error', reject)
  })
}

// N async jobs returning 1 MB each, then every record listed page by page: the engine's RSS after each.
async function bigJobs (n) {
  const engine = await startEngine()
  const before = rssMb(engine.child.pid)
  const admin = { Authorization: `Bearer ${ADMIN}` }
  const body = JSON.stringify({ sync: false, data: {} })
  let next = 0
  let last = null
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < n) {
      next++
      const r = await post(engine.base, '/oserve/v1.3/cloud-function/bigResult/job/', body, admin)
      if (r.status !== 200) throw new Error(`big job: ${r.status} ${r.body}`)
    }
  }))
  // Jobs run in the order they were queued: wait until the newest record is final, then check they all are.
  for (;;) {
    const page = JSON.parse((await get(engine.base, '/oserve/v1.3/cloud-function/job/?limit=1')).body)
    last = page.objects[0]
    if (last.status === 'fulfilled') break
    await new Promise(r => setTimeout(r, 200))
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const afterJobs = rssMb(engine.child.pid)
  let listed = 0
  let listBytes = 0
  for (let offset = 0; ; offset += 100) {
    const r = await get(engine.base, `/oserve/v1.3/cloud-function/job/?limit=1000&offset=${offset}`)
    const page = JSON.parse(r.body)
    listBytes = Math.max(listBytes, r.body.length)
    for (const j of page.objects) if (j.status !== 'fulfilled') throw new Error(`job ${j.id} is ${j.status}`)
    listed += page.objects.length
    if (page.objects.length === 0) break
  }
  const afterListing = rssMb(engine.child.pid)
  engine.child.kill('SIGTERM')
  return { n, seconds, before, afterJobs, afterListing, listed, listBytes }
}

async function main () {
  execFileSync(BIN, ['--version'])
  const engine = await startEngine()
  const headers = await engineHeaders(engine.base)
  const floor = await floorServer()
  const perCall = await spawnServer()
  const isolated = await workerServer()
  const pooled = await poolServer(8)
  // Warm up every target (engine workers spawn, JIT, sockets).
  for (const [base, h] of [[engine.base, headers], [floor.base, {}], [isolated.base, {}], [pooled.base, {}]]) await measure('warmup', base, h, 8, 400)
  await measure('warmup', perCall.base, {}, 2, 10)

  const rows = []
  for (const c of [1, 16]) {
    rows.push(...await measureInterleaved([
      { label: 'minicloud engine', base: engine.base, headers },
      { label: 'floor (in-process node)', base: floor.base, headers: {} },
      { label: 'isolation floor (node + 1 worker process)', base: isolated.base, headers: {} },
      { label: 'isolation floor, one job per worker (node + 8 worker processes)', base: pooled.base, headers: {} }
    ], c, REQUESTS))
    rows.push(await measure('spawn per call', perCall.base, {}, c, Math.max(50, REQUESTS / 20)))
  }
  const cold = await coldStart(5)
  const bareNode = nodeStart(5)
  const big = BIG_JOBS > 0 ? await bigJobs(BIG_JOBS) : null
  engine.child.kill('SIGTERM'); floor.server.close(); perCall.server.close(); isolated.server.close(); pooled.server.close(); agent.destroy()

  console.log(`requests per target: ${REQUESTS} (spawn-per-call: ${Math.max(50, REQUESTS / 20)}); node ${process.version}; engine state ${PERSIST ? 'in a data directory (SQLite)' : 'in memory'}`)
  console.log('| target | concurrency | req/s | p50 ms | p99 ms |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const r of rows) console.log(`| ${r.label} | ${r.concurrency} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`)
  for (const c of [1, 16]) {
    const e = rows.find(r => r.label.startsWith('minicloud') && r.concurrency === c)
    const f = rows.find(r => r.label.startsWith('floor') && r.concurrency === c)
    const s = rows.find(r => r.label.startsWith('spawn') && r.concurrency === c)
    const i = rows.find(r => r.label.startsWith('isolation floor (') && r.concurrency === c)
    const p = rows.find(r => r.label.startsWith('isolation floor, one job') && r.concurrency === c)
    console.log(`concurrency ${c}: engine p50 / floor p50 = ${(e.p50 / f.p50).toFixed(2)}x; engine p50 / isolation-floor p50 = ${(e.p50 / i.p50).toFixed(2)}x; engine throughput / floor = ${(e.rps / f.rps).toFixed(2)}x; engine throughput / spawn-per-call = ${(e.rps / s.rps).toFixed(1)}x; engine throughput / isolation floor = ${(e.rps / i.rps).toFixed(2)}x; engine throughput / one-job-per-worker floor = ${(e.rps / p.rps).toFixed(2)}x; engine p50 / one-job-per-worker floor p50 = ${(e.p50 / p.p50).toFixed(2)}x`)
  }
  console.log(`cold start, median of 5 engine starts: first call right after the engine listens ${cold.first.toFixed(1)} ms; first call of another function after 1 s idle ${cold.idle.toFixed(1)} ms; bare \`node -e 0\` ${bareNode.toFixed(1)} ms`)
  if (big) {
    const f = (m) => `${m.rss.toFixed(0)} MB (peak ${m.peak.toFixed(0)} MB)`
    console.log(`engine RSS: at start ${f(big.before)}; after ${big.n} async jobs returning 1 MB each (${big.seconds.toFixed(1)} s) ${f(big.afterJobs)}; after listing all ${big.listed} records (largest page ${(big.listBytes / 1024).toFixed(0)} KB) ${f(big.afterListing)}`)
  }
  fs.rmSync(WORK, { recursive: true, force: true })
}

main().catch(e => { console.error(e); process.exit(1) })
