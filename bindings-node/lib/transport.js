'use strict'
// The transport of the event-loop driver: one HTTP exchange with Node's own client (`node:http` /
// `node:https`) over keep-alive agents, one pair per client. It sends what the machine asked for and hands
// back the answer or the failure; it decides nothing (the machine reads statuses, bodies and headers).

const http = require('node:http')
const https = require('node:https')

/** Node's words for a failed exchange: its error code and message. */
function failureText(error) {
  if (!error) return 'request failed'
  const message = error.message || String(error)
  return error.code && !message.includes(error.code) ? `${error.code}: ${message}` : message
}

/** Sends requests for one client, keeping its connections alive between calls. */
class Transport {
  constructor() {
    this.httpAgent = new http.Agent({ keepAlive: true })
    this.httpsAgent = null
    this.urls = new Map()
    /** Exchanges sent and not yet closed. */
    this.inFlight = 0
  }

  /**
   * Sends a `SEND` action (`method`, `url`, `headers` as `[name, value, ...]`, `body` with its `contentType`,
   * `maxResponseBytes`), then calls `driver.answered(call, req, status, rawHeaders, body)` (the raw headers'
   * names and values joined with `\n`) with the whole body, or `driver.failed(call, req, kind, message, limit)`:
   * kind `connect` (refused, reset, DNS, TLS, a truncated answer) or `body_too_large` (reading stops, and the
   * connection is closed, past `maxResponseBytes`). Never calls back before it returns; `req.destroy()` closes
   * the connection.
   */
  send(action, driver, call) {
    const secure = action.url.startsWith('https:')
    const agent = secure ? (this.httpsAgent ||= new https.Agent({ keepAlive: true })) : this.httpAgent
    const target = this.target(action.url)
    const req = (secure ? https : http).request({ host: target.host, port: target.port, path: target.path, method: action.method, agent })
    const headers = action.headers
    for (let i = 0; i + 1 < headers.length; i += 2) req.setHeader(headers[i], headers[i + 1])
    const body = action.body
    if (body !== undefined && body !== null) {
      req.setHeader('content-type', action.contentType)
      req.setHeader('content-length', Buffer.byteLength(body))
    }
    const limit = action.maxResponseBytes
    let over = false
    const fail = (kind, error) => {
      if (over) return
      over = true
      req.destroy()
      driver.failed(call, req, kind, failureText(error), limit)
    }
    req.on('error', (error) => fail('connect', error))
    req.on('response', (res) => {
      const chunks = []
      let size = 0
      res.on('data', (chunk) => {
        size += chunk.length
        if (size > limit) return fail('body_too_large')
        chunks.push(chunk)
      })
      res.on('end', () => {
        if (over) return
        over = true
        driver.answered(call, req, res.statusCode, res.rawHeaders.join('\n'), chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size))
      })
      res.on('aborted', () => fail('connect', new Error('the connection closed before the whole answer arrived')))
      res.on('error', (error) => fail('connect', error))
    })
    this.inFlight++
    req.once('close', () => this.inFlight--)
    // With other exchanges in flight, the request leaves from the next check phase instead of from inside the
    // answer that led to it: the requests started while one poll phase's answers are handled then go out
    // together, which at 64 calls in flight is ~15% more calls per second for ~10% less CPU per call
    // (benches/README.md). A lone call is sent at once (deferring it would only add latency).
    if (this.inFlight > 1) setImmediate(() => req.destroyed || req.end(body))
    else req.end(body)
    return req
  }

  /**
   * Where `text` points: `{host, port, path}` (an IPv6 host without its brackets), parsed once per URL. Request
   * options built from these three cost measurably less per request than a `URL` object (benches/README.md).
   */
  target(text) {
    let target = this.urls.get(text)
    if (target === undefined) {
      if (this.urls.size >= 64) this.urls.clear()
      const url = new URL(text)
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
      target = { host, port: url.port || undefined, path: url.pathname + url.search }
      this.urls.set(text, target)
    }
    return target
  }
}

/**
 * The pooled transport (`transport: 'pooled'`): each exchange runs on the addon's tokio runtime with the core's
 * reqwest transport (one keep-alive pool per client) and its answer comes back as a promise. The machine still
 * runs on the event loop; only the I/O leaves it.
 */
class PooledTransport {
  constructor(native) {
    this.native = new native.NativeTransport()
    this.Exchange = native.NativeExchange
  }

  /** As `Transport.send`; `destroy()` on the returned handle abandons the exchange and closes its connection. */
  send(action, driver, call) {
    const exchange = new this.Exchange()
    const handle = { destroy: () => exchange.abort() }
    const limit = action.maxResponseBytes
    this.native
      .send(action.method, action.url, action.headers, action.body, action.timeoutMs, limit, exchange)
      .then(
        (answer) =>
          answer.failure
            ? driver.failed(call, handle, answer.failure, answer.message, limit)
            : driver.answered(call, handle, answer.status, answer.rawHeaders, answer.body),
        // The addon could not start the exchange (napi refused an argument): a failed exchange, not a lost call.
        (error) => driver.failed(call, handle, 'connect', failureText(error), limit),
      )
    return handle
  }
}

module.exports = { PooledTransport, Transport }
