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
  }

  /**
   * Sends a `send` action (`method`, `url`, `headers` as `[name, value, ...]`, `body`, `maxResponseBytes`) with
   * `content-type: application/json`. Calls `answered(status, rawHeaders, body)` with the whole body, or
   * `failed(kind, message, limit)`: `connect` (refused, reset, DNS, TLS, a truncated answer) or
   * `body_too_large` (reading stops, and the connection is closed, past `maxResponseBytes`). Never calls back
   * before it returns, and never after `destroy()` on the returned request (which closes its connection).
   */
  send(action, answered, failed) {
    const secure = action.url.startsWith('https:')
    const headers = {}
    const list = action.headers
    for (let i = 0; i < list.length; i += 2) headers[list[i]] = list[i + 1]
    const body = action.body
    if (body !== undefined && body !== null) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = Buffer.byteLength(body)
    }
    const agent = secure ? (this.httpsAgent ||= new https.Agent({ keepAlive: true })) : this.httpAgent
    const req = (secure ? https : http).request(action.url, { method: action.method, headers, agent })
    const limit = action.maxResponseBytes
    let over = false
    const fail = (kind, error) => {
      if (over) return
      over = true
      req.destroy()
      failed(kind, failureText(error), limit)
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
        answered(res.statusCode, res.rawHeaders, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size))
      })
      res.on('aborted', () => fail('connect', new Error('the connection closed before the whole answer arrived')))
      res.on('error', (error) => fail('connect', error))
    })
    req.end(body)
    return req
  }
}

module.exports = { Transport }
