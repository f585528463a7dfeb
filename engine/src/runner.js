// minicloud worker runner: loads one cloud function and runs its jobs one at a time.
//
// Usage: node runner.js <socket path> <function dir> <memory page size>
//
// A spare worker starts with an empty function dir and learns its function from a {"t": "bind", "c":
// {dir, env}} message before its first job.
//
// Jobs arrive as newline-delimited JSON on the Unix socket; results go back on the same socket, one JSON
// line per job. Every message is {"t": kind, "c": content} (the engine's worker/protocol.rs lists them).
// What the function writes to stdout/stderr during a job is captured and reaches the engine over the
// socket, tagged with the job: batched every 100 ms as {"t": "log", "c": {id, text}} while the job runs,
// and the rest as the result's `tail`; the engine puts the job's log together from them. Batching keeps a
// short job to one message each way (no extra wake-ups). Output outside a job, and anything Node itself
// prints on a crash, stays plain stdout/stderr, which the engine also logs. While a job runs, the function
// may call back into the engine (`cloud.callFunction`, `cloud.openapi.*` of the wx-server-sdk stand-in) on
// the same socket: {"t": "call"} out, {"t": "reply", "c": {seq, body}} back.
'use strict'

const fs = require('fs')
const net = require('net')
const path = require('path')

const sockPath = process.argv[2]
let fnDir = process.argv[3] || null
const pageSize = Number(process.argv[4]) || 4096

let current = null // {id, pending, flushTimer, done, minapp}

const FLUSH_MS = 100

/** Keeps what a running job writes; returns false when no job runs (the write goes to the real stream). */
function capture (chunk) {
  const job = current
  if (!job || job.done) return false
  let s
  if (typeof chunk === 'string') s = chunk
  else if (chunk instanceof Uint8Array) s = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
  else return false
  job.pending += s
  // While the job message is being handled, a job that ends now sends its output with its result; one
  // that goes on arms the timer when the handler returns (see the socket's 'data' handler).
  if (outbox === null) armFlush(job)
  return true
}

/** Sends the job's output within FLUSH_MS unless it ends before. */
function armFlush (job) {
  if (job.flushTimer || job.done || !job.pending) return
  job.flushTimer = setTimeout(() => flushOutput(job), FLUSH_MS)
  job.flushTimer.unref()
}

/** Sends what a still-running job wrote since the last batch. */
function flushOutput (job) {
  job.flushTimer = null
  if (job.done || !job.pending) return
  const text = job.pending
  job.pending = ''
  send({ t: 'log', c: { id: job.id, text } })
}

// When the process exits while a job message is handled (process.exit in a function's synchronous code),
// the lines gathered for the socket (the job's ack first) are written before it goes: without the ack the
// engine would take the job for never started and run it again. A job's output that was not sent yet goes
// to the real stdout: the engine logs and captures it from there.
process.on('exit', () => {
  if (outbox) {
    // The socket's own descriptor: the process is ending, so nothing else writes to it any more.
    const fd = sock._handle && sock._handle.fd
    if (typeof fd === 'number' && fd >= 0) {
      try { fs.writeSync(fd, outbox) } catch (_) {}
    }
    outbox = null
  }
  const job = current
  if (job && !job.done && job.pending) {
    try { fs.writeSync(1, job.pending) } catch (_) {}
  }
})

for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream)
  stream.write = function (chunk, encoding, cb) {
    let captured = false
    try { captured = capture(chunk) } catch (_) {}
    if (!captured) return original(chunk, encoding, cb)
    const done = typeof encoding === 'function' ? encoding : cb
    if (typeof done === 'function') process.nextTick(done)
    return true
  }
}

// Stack frames inside the engine's own files (this runner, the wx-server-sdk stand-in, in a private
// temporary directory) say nothing to the function's developer: they are left out.
function cleanStack (stack) {
  return String(stack || '').split('\n').filter((line) => !line.includes(__dirname)).join('\n')
}

function serializeError (err) {
  try {
    if (err instanceof Error || (err !== null && typeof err === 'object' && typeof err.message === 'string')) {
      const type = err.name || (err.constructor && err.constructor.name) || 'Error'
      return { message: String(err.message), type: String(type), stack: cleanStack(err.stack) }
    }
    return { message: String(err), type: 'Error', stack: '' }
  } catch (_) {
    return { message: 'unprintable error value', type: 'Error', stack: '' }
  }
}

// Calls from the function back to the engine (cloud.callFunction, cloud.openapi.*): sent as
// {"t": "call", "c": {seq, job, kind, ...}} lines; the engine answers {"t": "reply", "c": {seq, body: {ok, ...}}}.
let callSeq = 0
const pendingCalls = new Map() // seq -> {resolve, job}

function callEngine (kind, payload) {
  const job = current
  if (!job || job.done) {
    return Promise.resolve({ ok: false, errCode: -1, errMsg: kind + ':fail the job that made this call has already finished' })
  }
  return new Promise((resolve) => {
    const seq = ++callSeq
    let line
    try {
      line = JSON.stringify({ t: 'call', c: Object.assign({}, payload, { seq, job: job.id, kind }) })
    } catch (e) {
      return resolve({ ok: false, errCode: -1, errMsg: kind + ':fail arguments are not JSON-serializable: ' + String(e && e.message) })
    }
    pendingCalls.set(seq, { resolve, job: job.id })
    writeLine(line)
  })
}

function onReply (reply) {
  const p = pendingCalls.get(reply.seq)
  if (!p) return
  pendingCalls.delete(reply.seq)
  p.resolve(reply.body)
}

// Calls still waiting when a new job starts belong to finished jobs: settle them.
function dropStaleCalls () {
  for (const [seq, p] of pendingCalls) {
    pendingCalls.delete(seq)
    p.resolve({ ok: false, errCode: -1, errMsg: 'the job that made this call has already finished' })
  }
}

// 知晓云 functions print log lines as the real runtime does: ISO-8601 time, level, message
// (`2018-09-21T03:46:26.026Z LOG event.data:  {}`). WeChat functions keep Node's plain output.
const util = require('util')
for (const [method, level] of [['log', 'LOG'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG']]) {
  const original = console[method].bind(console)
  console[method] = function (...args) {
    const job = current
    if (!job || job.done || !job.minapp) return original(...args)
    const stream = level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout
    stream.write(new Date().toISOString() + ' ' + level + ' ' + util.format(...args) + '\n')
  }
}

// The 知晓云 server SDK's global `BaaS` (PROTOCOL.md §5.4), in every 知晓云-style job: `BaaS.invoke(name,
// params, sync)` runs another function through the engine and resolves like the client call ({code, data,
// error}); a refused call rejects with an Error carrying the HError `code` (400, 404). The deprecated
// `invokeFunction` resolves to the whole response ({status, data}).
function baasInvoke (name, params, sync) {
  const payload = { name, sync: sync === undefined ? true : sync }
  if (params !== undefined) payload.data = params
  return callEngine('invoke', payload).then((reply) => {
    if (reply && reply.ok) return reply.result
    const error = new Error(String((reply && reply.errMsg) || 'BaaS.invoke failed'))
    error.code = reply && reply.errCode
    throw error
  })
}
const BaaS = {
  invoke: baasInvoke,
  invokeFunction (name, params, sync) {
    return baasInvoke(name, params, sync).then((data) => ({ status: 200, statusText: 'OK', data }))
  }
}
Object.defineProperty(global, 'BaaS', { value: BaaS, writable: true, configurable: true, enumerable: false })

// The engine's `wx-server-sdk` stand-in (cloud/wx_server_sdk.js), used only when the function does
// not ship its own `wx-server-sdk`.
const Module = require('module')
let wxContext = {}
const wxServerSdk = require(path.join(__dirname, 'wx-server-sdk.js'))({
  context: () => wxContext,
  call: callEngine,
})
const originalLoad = Module._load
Module._load = function (request, parent, isMain) {
  if (request === 'wx-server-sdk') {
    try {
      Module._resolveFilename(request, parent, isMain)
    } catch (_) {
      return wxServerSdk
    }
  }
  return originalLoad.apply(this, arguments)
}

let mod = null
let loadError = null

// A spare worker's function: its directory becomes the working directory and process.argv[3], and its `env`
// joins process.env (what a worker started for the function gets at start).
function bind (c) {
  try {
    process.chdir(c.dir)
    Object.assign(process.env, c.env || {})
    process.argv[3] = c.dir
    fnDir = c.dir
  } catch (e) {
    loadError = e
  }
}

function load () {
  if (mod || loadError) return
  try {
    const m = require(path.join(fnDir, 'index.js'))
    if (!m || typeof m.main !== 'function') {
      const e = new TypeError('exports.main is not a function in ' + path.join(fnDir, 'index.js'))
      loadError = e
    } else {
      mod = m
    }
  } catch (e) {
    loadError = e
  }
}

const sock = net.connect(sockPath)
sock.setEncoding('utf8')
sock.on('error', () => process.exit(0))
sock.on('close', () => process.exit(0))

// While a job message is handled, lines gather here and go out in one write when the handler returns: a
// job that completes synchronously sends its ack and its result together (one wake-up of the engine).
let outbox = null

function writeLine (line) {
  if (outbox !== null) outbox += line + '\n'
  else sock.write(line + '\n')
}

function send (obj) {
  writeLine(JSON.stringify(obj))
}

// The worker's resident memory, reported with each result: one pread of /proc/self/statm, kept open (Node's
// process.memoryUsage.rss() opens, reads and closes /proc/self/stat on every call); elsewhere, Node's own.
let statm = -1
try { statm = fs.openSync('/proc/self/statm', 'r') } catch (_) {}
const statmBuf = Buffer.alloc(128)
function residentMemory () {
  if (statm >= 0) {
    try {
      const n = fs.readSync(statm, statmBuf, 0, statmBuf.length, 0)
      const pages = Number(statmBuf.toString('latin1', 0, n).split(' ')[1])
      if (pages > 0) return pages * pageSize
    } catch (_) {}
  }
  return process.memoryUsage.rss()
}

function finish (job, ok, value, retire) {
  if (job.done) return
  const tail = job.pending
  job.pending = ''
  if (job.flushTimer) clearTimeout(job.flushTimer)
  job.done = true
  if (current === job) current = null
  const mem = residentMemory()
  if (ok) {
    let line
    try {
      line = JSON.stringify({ t: 'result', c: { id: job.id, ok: true, data: value === undefined ? null : value, mem, tail } })
    } catch (e) {
      const err = { message: 'function result is not JSON-serializable: ' + String(e && e.message), type: 'TypeError', stack: cleanStack(e && e.stack) }
      line = JSON.stringify({ t: 'result', c: { id: job.id, ok: false, error: err, mem, tail } })
    }
    writeLine(line)
  } else {
    send({ t: 'result', c: { id: job.id, ok: false, error: serializeError(value), mem, tail, retire: !!retire } })
  }
}

function isThenable (v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function'
}

function runJob (msg) {
  const job = { id: msg.id, pending: '', flushTimer: null, done: false, minapp: msg.contract !== 'wechat' }
  dropStaleCalls()
  current = job
  wxContext = msg.wxContext || {}
  load()
  if (loadError) return finish(job, false, loadError)
  try {
    if (msg.contract === 'wechat') {
      Promise.resolve(mod.main(msg.event, msg.context)).then(
        (v) => finish(job, true, v),
        (e) => finish(job, false, e))
    } else {
      const callback = function (err, data) {
        if (err) finish(job, false, err)
        else finish(job, true, data)
      }
      const ret = mod.main(msg.event, callback)
      if (isThenable(ret)) {
        ret.then((v) => finish(job, true, v), (e) => finish(job, false, e))
      }
    }
  } catch (e) {
    finish(job, false, e)
  }
}

function onUncaught (err) {
  const job = current
  if (job && !job.done) {
    finish(job, false, err, true)
  } else {
    try { process.stderr.write('uncaught error outside a job: ' + String((err && err.stack) || err) + '\n') } catch (_) {}
    send({ t: 'retire', c: {} })
  }
}
process.on('uncaughtException', onUncaught)
process.on('unhandledRejection', onUncaught)

let buffered = ''
sock.on('data', (chunk) => {
  buffered += chunk
  let nl
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl)
    buffered = buffered.slice(nl + 1)
    if (!line.trim()) continue
    let msg
    try { msg = JSON.parse(line) } catch (_) { continue }
    if (msg && msg.t === 'reply') {
      onReply(msg.c)
    } else if (msg && msg.t === 'bind') {
      bind(msg.c)
    } else if (msg && msg.t === 'job') {
      outbox = '{"t":"ack","c":{"id":' + JSON.stringify(String(msg.c.id)) + '}}\n'
      try {
        runJob(msg.c)
      } finally {
        const lines = outbox
        outbox = null
        sock.write(lines)
        if (current) armFlush(current)
      }
    }
  }
})
