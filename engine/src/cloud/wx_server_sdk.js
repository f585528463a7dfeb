// minicloud's stand-in for `wx-server-sdk`, supplied by the engine to functions that require
// `wx-server-sdk` without shipping their own. Written for minicloud (not the official package).
//
// Exports a factory: require('./wx-server-sdk.js')(hooks) with
//   hooks.context()            -> the running job's wxContext (OPENID, APPID, UNIONID, ENV, SOURCE, CLIENTIP)
//   hooks.call(kind, payload)  -> Promise of the engine's reply {ok, result} | {ok: false, errCode, errMsg}
// Every rule (permissions, error codes, results) lives in the engine; this file only shapes values.
'use strict'

const BUFFER_KEY = '__minicloud_buffer_base64__'

module.exports = function createWxServerSdk (hooks) {
  function cloudError (errCode, errMsg) {
    const e = new Error(errMsg)
    e.errCode = errCode
    e.errMsg = errMsg
    return e
  }

  // Engine reply -> resolved value or rejected {errCode, errMsg} Error.
  function settle (reply) {
    if (reply && reply.ok) return reply.result
    const code = reply && typeof reply.errCode === 'number' ? reply.errCode : -1
    const msg = reply && typeof reply.errMsg === 'string' ? reply.errMsg : 'system error'
    throw cloudError(code, msg)
  }

  // Values the engine marks as binary become Node Buffers (e.g. wxacode.getUnlimited's `buffer`).
  function decodeBuffers (value) {
    if (value === null || typeof value !== 'object') return value
    if (Array.isArray(value)) return value.map(decodeBuffers)
    const keys = Object.keys(value)
    if (keys.length === 1 && keys[0] === BUFFER_KEY) return Buffer.from(value[BUFFER_KEY], 'base64')
    const out = {}
    for (const k of keys) out[k] = decodeBuffers(value[k])
    return out
  }

  // Callback style (success/fail/complete) when any is given, as wx-server-sdk APIs allow; else a Promise.
  function withCallbacks (options, promise) {
    const { success, fail, complete } = options || {}
    if (typeof success !== 'function' && typeof fail !== 'function' && typeof complete !== 'function') return promise
    promise.then(
      (r) => { if (typeof success === 'function') success(r); if (typeof complete === 'function') complete(r) },
      (e) => { if (typeof fail === 'function') fail(e); if (typeof complete === 'function') complete(e) })
    return undefined
  }

  function callFunction (options) {
    const o = options || {}
    const payload = { name: o.name }
    if (o.data !== undefined) payload.data = o.data
    return withCallbacks(o, hooks.call('callFunction', payload).then(settle))
  }

  function openApiMethod (api) {
    return function (args) {
      const payload = { api, args: args === undefined ? {} : args }
      return hooks.call('openapi', payload).then(settle).then(decodeBuffers)
    }
  }

  // cloud.openapi.<category>.<method>(args): any name reaches the engine, which knows the APIs.
  const skip = (p) => typeof p !== 'string' || p === 'then' || p === 'toJSON' || p === 'inspect'
  const openapi = new Proxy({}, {
    get (_, category) {
      if (skip(category)) return undefined
      return new Proxy({}, {
        get (_, method) {
          if (skip(method)) return undefined
          return openApiMethod(category + '.' + method)
        },
      })
    },
  })

  function notEmulated (name) {
    return function () {
      throw cloudError(-1, 'cloud.' + name + ' is not emulated by the minicloud engine (supported: init, getWXContext, callFunction, openapi)')
    }
  }

  const DYNAMIC_CURRENT_ENV = Symbol.for('DYNAMIC_CURRENT_ENV')
  const sdk = {
    DYNAMIC_CURRENT_ENV,
    SYMBOL_CURRENT_ENV: Symbol.for('SYMBOL_CURRENT_ENV'),
    init () {},
    getWXContext () { return Object.assign({}, hooks.context()) },
    callFunction,
    openapi,
    logger () { return { log: console.log, info: console.info, warn: console.warn, error: console.error } },
  }
  for (const name of ['database', 'uploadFile', 'downloadFile', 'getTempFileURL', 'deleteFile', 'getOpenData', 'getVoIPSign', 'cloudPay']) {
    sdk[name] = notEmulated(name)
  }
  return sdk
}
