'use strict'
// minicloud for Node: the official SDK's shape (`BaaS.init`, `BaaS.invoke`, `BaaS.auth.*`) and a `Client`
// class, over the minicloud Rust core (native.js loads the addon). This file only converts types: JS values
// to JSON text and plain strings for the core, the core's answers back to values and `HError` instances.
// Every protocol rule (headers, bodies, argument checks, sessions, auto-login, the 401 resend, HError codes
// and messages) lives in the core.

const native = require('./native.js')

/**
 * The error of every minicloud call: an `Error` with the official SDK's `code` and `message` (`"CODE: text"`),
 * plus `kind`, `status`, `requestId`, `retryable` and `details` as the core reports them.
 */
class HError extends Error {
  constructor(fields) {
    super(fields.message)
    this.name = 'HError'
    this.code = fields.code
    this.kind = fields.kind
    this.status = fields.status ?? null
    this.requestId = fields.requestId ?? null
    this.retryable = fields.retryable
    this.details = fields.details ?? null
  }
}

/** How a JS value is named in error messages. */
function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  const type = typeof value
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

/** The core's HError 605 for a value the binding cannot convert. */
function invalid(text) {
  return new HError(native.invalidArgument(text))
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The outcome of a native call as a value, or an `HError` thrown. */
function settle(outcome) {
  if (outcome.error) throw new HError(outcome.error)
  return outcome.result === undefined || outcome.result === null ? undefined : JSON.parse(outcome.result)
}

/** JS params to JSON text, as `wx.request` serialises them: `[json]`, `[undefined]` when absent, or `[, problem]`. */
function encodeParams(params) {
  if (params === undefined) return [undefined, undefined]
  let json
  try {
    json = JSON.stringify(params)
  } catch (e) {
    return [undefined, e && e.message ? e.message : String(e)]
  }
  if (json === undefined) return [undefined, `${describe(params)} has no JSON form`]
  return [json, undefined]
}

const CLIENT_OPTIONS = {
  clientId: 'string',
  host: 'string',
  env: 'string',
  platform: 'string',
  autoLogin: 'any',
  sessionFile: 'string',
  syncTimeoutMs: 'number',
  asyncTimeoutMs: 'number',
  authTimeoutMs: 'number',
  maxRequestBytes: 'number',
  maxResponseBytes: 'number',
  nowSecs: 'number',
  appName: 'string',
  loginCode: 'function',
  logLevel: 'any', // accepted for BaaS.init compatibility; minicloud's own log goes through setLogger
}

/** `autoLogin` in Node (no host login API): see README. */
function autoLoginConfig(autoLogin, hasLoginCode) {
  if (autoLogin === undefined || autoLogin === false) return { autoLogin: 'disabled' }
  if (autoLogin === true) {
    if (!hasLoginCode) {
      throw invalid(
        "autoLogin: true means silent login, which needs a loginCode hook in Node; use autoLogin: 'anonymous' or {username|email|phone, password}",
      )
    }
    return { autoLogin: 'silent' }
  }
  if (autoLogin === 'silent' || autoLogin === 'anonymous') return { autoLogin }
  if (isPlainObject(autoLogin)) return { autoLogin: 'password', autoLoginCredentials: JSON.stringify(autoLogin) }
  throw invalid(
    `autoLogin must be false, true, 'silent', 'anonymous' or {username|email|phone, password}, got ${describe(autoLogin)}`,
  )
}

function nativeConfig(options) {
  if (!isPlainObject(options)) throw invalid(`Client options must be an object, got ${describe(options)}`)
  if (typeof options.clientId !== 'string') throw invalid(`clientID must be a string, got ${describe(options.clientId)}`)
  const config = {}
  for (const [key, value] of Object.entries(options)) {
    const type = CLIENT_OPTIONS[key]
    if (type === undefined) throw invalid(`unknown Client option ${JSON.stringify(key)}`)
    if (value === undefined || type === 'any') continue
    if (typeof value !== type) throw invalid(`${key} must be a ${type}, got ${describe(value)}`)
    config[key] = value
  }
  Object.assign(config, autoLoginConfig(options.autoLogin, typeof options.loginCode === 'function'))
  if (config.loginCode) {
    const hook = config.loginCode
    config.loginCode = () =>
      Promise.resolve()
        .then(() => hook())
        .then((code) => {
          if (typeof code !== 'string') throw new TypeError(`loginCode must resolve to a string, got ${describe(code)}`)
          return code
        })
  }
  delete config.logLevel
  return config
}

const INVOKE_OPTIONS = new Set(['sync', 'timeoutMs', 'signal'])

function invokeOptions(options) {
  if (options === undefined) return {}
  if (!isPlainObject(options)) throw invalid(`invoke options must be an object {sync, timeoutMs, signal}, got ${describe(options)}`)
  for (const key of Object.keys(options)) {
    if (!INVOKE_OPTIONS.has(key)) throw invalid(`unknown invoke option ${JSON.stringify(key)}`)
  }
  const { timeoutMs, signal } = options
  if (timeoutMs !== undefined && typeof timeoutMs !== 'number') {
    throw invalid(`timeoutMs must be a number of milliseconds, got ${describe(timeoutMs)}`)
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalid(`signal must be an AbortSignal, got ${describe(signal)}`)
  }
  return options
}

/** A 知晓云 client: several can live in one process, each with its own session and connection pool. */
class Client {
  constructor(options) {
    const native_ = new native.NativeClient(nativeConfig(options))
    const error = native_.initError()
    if (error) throw new HError(error)
    this._native = native_
  }

  /** The `X-Hydrogen-Client-Version` header this client sends. */
  get clientVersion() {
    return this._native.clientVersion
  }

  /** Runs a cloud function; resolves to the server's body (`{code, data, error}` or `{status: 'ok'}`). */
  invoke(name, params, options) {
    return this._invoke(name, params, options, false)
  }

  /** The deprecated name of `invoke` (the core warns once per process: a `DeprecationWarning` by default). */
  invokeFunction(name, params, options) {
    return this._invoke(name, params, options, true)
  }

  _invoke(name, params, options, deprecated) {
    let opts
    try {
      opts = invokeOptions(options)
    } catch (e) {
      return Promise.reject(e)
    }
    return this._call(name, params, opts.sync, opts.timeoutMs, opts.signal, deprecated)
  }

  async _call(name, params, sync, timeoutMs, signal, deprecated) {
    const [json, problem] = encodeParams(params)
    let token
    let onAbort
    if (signal) {
      token = new native.CancelToken()
      if (signal.aborted) token.cancel()
      else {
        onAbort = () => token.cancel()
        signal.addEventListener('abort', onAbort, { once: true })
      }
    }
    try {
      return settle(await this._native.invoke(name, json, problem, sync, timeoutMs, token, deprecated))
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort)
    }
  }

  /** Password login with `{username|email|phone, password}`; resolves to `{userId, isAnonymous, expiresAt, profile}`. */
  async login(credentials) {
    return settle(await this._native.login(credentialsJson(credentials, 'login')))
  }

  /** Registers a user with `{username|email|phone, password}` and signs them in. */
  async register(credentials) {
    return settle(await this._native.register(credentialsJson(credentials, 'register')))
  }

  /** SMS login: `loginWithSmsVerificationCode(phone, code, {createUser = true})`. */
  async loginWithSmsVerificationCode(phone, code, options) {
    if (typeof phone !== 'string') throw invalid(`phone must be a string, got ${describe(phone)}`)
    if (typeof code !== 'string') throw invalid(`verification code must be a string, got ${describe(code)}`)
    const createUser = booleanOption(options, 'createUser', true)
    return settle(await this._native.loginWithSms(phone, code, createUser))
  }

  /** Anonymous login: a temporary user. */
  async anonymousLogin() {
    return settle(await this._native.anonymousLogin())
  }

  /** Silent login with the `loginCode` hook's code (HError 611 on platforms without silent login). */
  async silentLogin(options) {
    return settle(await this._native.silentLogin(booleanOption(options, 'createUser', true)))
  }

  /** Destroys the session on the server, then forgets it locally. */
  async logout() {
    settle(await this._native.logout())
  }

  /** Forgets the session locally (the official SDK's keys). */
  clearSession() {
    const error = this._native.clearSession()
    if (error) throw new HError(error)
  }
}

function credentialsJson(credentials, what) {
  if (!isPlainObject(credentials)) throw invalid(`${what} expects an object {username|email|phone, password}, got ${describe(credentials)}`)
  return JSON.stringify(credentials)
}

function booleanOption(options, key, fallback) {
  if (options === undefined) return fallback
  if (!isPlainObject(options)) throw invalid(`options must be an object {${key}}, got ${describe(options)}`)
  const value = options[key]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw invalid(`${key} must be a boolean, got ${describe(value)}`)
  return value
}

const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace']

/**
 * Where the core's log events go: `logger(level, target, message)` gets every event at `level` and above
 * (`'error'`, `'warn'` (default), `'info'`, `'debug'`, `'trace'`); `null` stops them. By default `warn` and above
 * become `process.emitWarning(message, 'MinicloudWarning')` (a session file that cannot be written, ...), and the
 * deprecation of `invokeFunction` a `DeprecationWarning` (code `MINICLOUD_DEPRECATED`). The
 * core never logs tokens, passwords or secrets.
 */
function setLogger(logger, level = 'warn') {
  if (logger !== null && typeof logger !== 'function') {
    throw invalid(`logger must be a function or null, got ${describe(logger)}`)
  }
  if (!LOG_LEVELS.includes(level)) throw invalid(`log level must be one of ${LOG_LEVELS.join(', ')}, got ${String(level)}`)
  native.setLogger(logger, level)
}

/** The core's target for deprecation events (minicloud_core::log::DEPRECATION_TARGET). */
const DEPRECATION_TARGET = 'minicloud::deprecated'

setLogger((level, target, message) =>
  target === DEPRECATION_TARGET
    ? process.emitWarning(message, { type: 'DeprecationWarning', code: 'MINICLOUD_DEPRECATED' })
    : process.emitWarning(message, { type: 'MinicloudWarning', code: `MINICLOUD_${level.toUpperCase()}` }),
)

let defaultClient = null

function current() {
  if (!defaultClient) throw new HError(native.uninitializedError())
  return defaultClient
}

/** Calls `fn` on the client made by `BaaS.init`; before it, a rejected HError 602. */
function withClient(fn) {
  return (...args) => {
    let client
    try {
      client = current()
    } catch (e) {
      return Promise.reject(e)
    }
    return fn(client, ...args)
  }
}

/** Drop-in for the official SDK's `BaaS` object. */
const BaaS = {
  /** `BaaS.init(clientID, {host, env, autoLogin, ...Client options})`; replaces any earlier init. */
  init(clientID, options) {
    if (typeof clientID !== 'string') throw invalid(`clientID must be a string, got ${describe(clientID)}`)
    if (options !== undefined && !isPlainObject(options)) throw invalid(`init options must be an object, got ${describe(options)}`)
    defaultClient = new Client({ ...options, clientId: clientID })
  },
  /** `BaaS.invoke(functionName, params, sync = true)`. */
  invoke: withClient((client, name, params, sync) => client._call(name, params, sync, undefined, undefined, false)),
  /** The deprecated name of `BaaS.invoke` (the core warns once per process). */
  invokeFunction: withClient((client, name, params, sync) => client._call(name, params, sync, undefined, undefined, true)),
  auth: {
    login: withClient((client, credentials) => client.login(credentials)),
    register: withClient((client, credentials) => client.register(credentials)),
    loginWithSmsVerificationCode: withClient((client, phone, code, options) =>
      client.loginWithSmsVerificationCode(phone, code, options),
    ),
    anonymousLogin: withClient((client) => client.anonymousLogin()),
    silentLogin: withClient((client, options) => client.silentLogin(options)),
    logout: withClient((client) => client.logout()),
  },
  /** Forgets the session locally; HError 602 before `init`. */
  clearSession() {
    current().clearSession()
  },
}

/**
 * The error of a WeChat cloud call: WeChat's `errcode` (null when WeChat never answered) and `errmsg`, plus
 * `kind` (`auth`, `config`, `quota`, `system`, `function`, `invalid_argument`, `network`, `timeout`,
 * `cancelled`, `invalid_response`) and `retryable`. Never carries a token or the app secret.
 */
class WeChatError extends Error {
  constructor(fields) {
    super(fields.message)
    this.name = 'WeChatError'
    this.errcode = fields.errcode ?? null
    this.errmsg = fields.errmsg
    this.kind = fields.kind
    this.retryable = fields.retryable
  }
}

/** The core's invalid-argument WeChatError for a value this wrapper cannot convert. */
function wechatInvalid(text) {
  return new WeChatError(native.wechatInvalidArgument(text))
}

/**
 * WeChat cloud's server-side `invokeCloudFunction`, with the access_token fetched, cached, renewed ahead of
 * expiry and shared by concurrent calls. For servers only: never ship an app secret inside a client.
 */
class WeChatCloud {
  /** `new WeChatCloud({appId, appSecret, env, baseUrl?, tokenMode?: 'stable'|'classic', timeoutMs?})`. */
  constructor(options) {
    if (!isPlainObject(options)) throw wechatInvalid(`options must be an object, got ${describe(options)}`)
    for (const key of ['appId', 'appSecret', 'env']) {
      if (typeof options[key] !== 'string') throw wechatInvalid(`${key} must be a string, got ${describe(options[key])}`)
    }
    this._native = new native.NativeWeChatCloud({
      appId: options.appId,
      appSecret: options.appSecret,
      env: options.env,
      baseUrl: options.baseUrl,
      tokenMode: options.tokenMode,
      timeoutMs: options.timeoutMs,
    })
    const error = this._native.initError()
    if (error) throw new WeChatError(error)
  }

  /**
   * Runs cloud function `name` with `event` (any JSON value; `{}` when omitted) and resolves to its return value
   * (`resp_data` decoded). `{signal}` cancels the call (a WeChatError of kind `cancelled`).
   */
  async invokeCloudFunction(name, event, options = {}) {
    if (typeof name !== 'string') throw wechatInvalid(`function name must be a string, got ${describe(name)}`)
    const [json, problem] = encodeParams(event)
    if (problem) throw wechatInvalid(`event cannot be encoded as JSON: ${problem}`)
    const signal = options && options.signal
    let token
    if (signal) {
      token = new native.CancelToken()
      if (signal.aborted) token.cancel()
      else signal.addEventListener('abort', () => token.cancel(), { once: true })
    }
    const outcome = await this._native.invokeCloudFunction(name, json, token)
    if (outcome.error) throw new WeChatError(outcome.error)
    return JSON.parse(outcome.result)
  }
}

/** An AbortSignal as a native cancel token (undefined without a signal). */
function cancelToken(signal) {
  if (signal === undefined) return undefined
  if (!(signal instanceof AbortSignal)) throw invalid(`signal must be an AbortSignal, got ${describe(signal)}`)
  const token = new native.CancelToken()
  if (signal.aborted) token.cancel()
  else signal.addEventListener('abort', () => token.cancel(), { once: true })
  return token
}

/** `{sync, timeoutMs, signal}` of a MinappServer call (a boolean is `sync`, as `BaaS.invoke` takes it). */
function serverCallOptions(options) {
  if (options === undefined) return {}
  if (typeof options === 'boolean') return { sync: options }
  if (!isPlainObject(options)) throw invalid(`options must be an object {sync, timeoutMs, signal}, got ${describe(options)}`)
  if (options.sync !== undefined && typeof options.sync !== 'boolean') throw invalid(`sync must be a boolean, got ${describe(options.sync)}`)
  if (options.timeoutMs !== undefined && typeof options.timeoutMs !== 'number') {
    throw invalid(`timeoutMs must be a number of milliseconds, got ${describe(options.timeoutMs)}`)
  }
  return options
}

function stringArg(what, value) {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${describe(value)}`)
  return value
}

function optionalString(what, value) {
  return value === undefined || value === null ? undefined : stringArg(what, value)
}

/**
 * The 知晓云 open API from the server side (PROTOCOL.md §5): run functions as a server, debug them, manage
 * them and read their job records, with the access token (client ID + secret → code → token) fetched,
 * cached, renewed and refreshed once on a 401 for you. Every rule lives in the core. For servers only: never
 * ship a client secret inside a mini-program, page or app. Printing the client never shows the secret.
 */
class MinappServer {
  /** `new MinappServer({clientId, clientSecret, host?, env?, timeoutMs?})`. */
  constructor(options) {
    if (!isPlainObject(options)) throw invalid(`options must be an object {clientId, clientSecret, host?}, got ${describe(options)}`)
    const native_ = new native.NativeMinappServer({
      clientId: stringArg('clientId', options.clientId),
      clientSecret: stringArg('clientSecret', options.clientSecret),
      host: optionalString('host', options.host),
      env: optionalString('env', options.env),
      timeoutMs: options.timeoutMs,
    })
    const error = native_.initError()
    if (error) throw new HError(error)
    Object.defineProperty(this, '_native', { value: native_, enumerable: false })
  }

  /** Runs function `name` as a server: `{code, data, error}` (`{status: 'ok'}` with `sync: false`). */
  async invoke(name, data, options) {
    const { sync = true, timeoutMs, signal } = serverCallOptions(options)
    const [json, problem] = encodeParams(data)
    if (problem) throw invalid(`data cannot be encoded as JSON: ${problem}`)
    return settle(await this._native.invoke(stringArg('function name', name), json, sync, timeoutMs, cancelToken(signal)))
  }

  /** Runs function `name` and resolves to its result plus `job_id`, `execution_time`, `billing_time`, `mem_usage`, `log`. */
  async debug(name, data, options) {
    const { timeoutMs, signal } = serverCallOptions(options)
    const [json, problem] = encodeParams(data)
    if (problem) throw invalid(`data cannot be encoded as JSON: ${problem}`)
    return settle(await this._native.debug(stringArg('function name', name), json, timeoutMs, cancelToken(signal)))
  }

  /** One page of functions: `{meta, objects}`. */
  async listFunctions({ limit, offset } = {}) {
    return settle(await this._native.listFunctions(limit, offset))
  }

  /** One function (404 when there is none). */
  async getFunction(name) {
    return settle(await this._native.getFunction(stringArg('function name', name)))
  }

  /** Creates function `name` whose `index.js` is `code`; resolves to the created function. */
  async createFunction(name, code, { remark } = {}) {
    return settle(await this._native.createFunction(stringArg('function name', name), stringArg('code', code), optionalString('remark', remark)))
  }

  /** Changes function `name`'s `code` and/or `remark`. */
  async updateFunction(name, { code, remark } = {}) {
    return settle(await this._native.updateFunction(stringArg('function name', name), optionalString('code', code), optionalString('remark', remark)))
  }

  /** Deletes function `name`. */
  async deleteFunction(name) {
    settle(await this._native.deleteFunction(stringArg('function name', name)))
  }

  /** Function `name`'s job records: `{meta, objects}`, filtered by `{source, status, createdAtGte, createdAtLte, limit, offset}`. */
  async listJobs(name, query = {}) {
    if (!isPlainObject(query)) throw invalid(`query must be an object, got ${describe(query)}`)
    return settle(await this._native.listJobs(stringArg('function name', name), query))
  }

  /** Never shows the secret. */
  toString() {
    return '[MinappServer]'
  }

  toJSON() {
    return {}
  }
}

module.exports = { BaaS, Client, HError, MinappServer, WeChatCloud, WeChatError, setLogger }
