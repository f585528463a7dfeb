'use strict'
// minicloud for Node: the official SDK's shape (`BaaS.init`, `BaaS.invoke`, `BaaS.auth.*`) and a `Client`
// class, over the minicloud Rust core (native.js loads the addon). This file only converts types: JS values
// to JSON text and plain strings for the core, the core's answers back to values and `HError` instances.
// Every protocol rule (headers, bodies, argument checks, sessions, auto-login, the 401 resend, HError codes
// and messages) lives in the core's protocol machine; lib/driver.js runs its loop on the event loop, sending
// with Node's own HTTP client (lib/transport.js).

const native = require('./native.js')
const { Driver } = require('./lib/driver.js')
const { PooledTransport, Transport } = require('./lib/transport.js')
const { CurrentUser, currentUser } = require('./lib/current-user.js')

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

/** A JS value as JSON text, as `wx.request` serialises it: `[json]`, `[undefined]` when absent, or `[, problem]`. */
function encodeJson(value) {
  if (value === undefined) return [undefined, undefined]
  let json
  try {
    json = JSON.stringify(value)
  } catch (e) {
    return [undefined, e && e.message ? e.message : String(e)]
  }
  if (json === undefined) return [undefined, `${describe(value)} has no JSON form`]
  return [json, undefined]
}

/** A JS argument as JSON text for the core, or HError 605 when it has no JSON form. */
function jsonArgument(value, what) {
  const [json, problem] = encodeJson(value)
  if (problem) throw invalid(`${what} cannot be encoded as JSON: ${problem}`)
  return json
}

const toHError = (fields) => new HError(fields)
const asIs = (value) => value
const toNothing = () => undefined

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
  transport: 'string',
  logLevel: 'any', // accepted for BaaS.init compatibility; minicloud's own log goes through setLogger
}

/**
 * Who sends a client's requests: `'node'` (default) Node's own HTTP client on the event loop; `'pooled'` the
 * addon's pooled reqwest client on its tokio runtime (for servers with many calls in flight: benches/README.md).
 */
function transportOf(choice, what) {
  if (choice === undefined || choice === 'node') return new Transport()
  if (choice === 'pooled') return new PooledTransport(native)
  throw what(`transport must be 'node' or 'pooled', got ${JSON.stringify(choice)}`)
}

/** The JS options as the core's config: type-checked values; `autoLogin` as JSON text for the core's parser. */
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
  delete config.loginCode
  config.autoLoginJson = jsonArgument(options.autoLogin, 'autoLogin')
  config.hasLoginCode = typeof options.loginCode === 'function'
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

/**
 * A 知晓云 client: several can live in one process, each with its own session and connections. Its calls run
 * on the event loop: the core's protocol machine decides each step, Node's own HTTP client sends.
 */
class Client {
  constructor(options) {
    const config = nativeConfig(options)
    const machine = new native.NativeMachine(config)
    const error = machine.initError()
    if (error) throw new HError(error)
    this._machine = machine
    this._driver = new Driver(machine, transportOf(options.transport, invalid), { loginCode: options.loginCode })
  }

  /** The `X-Hydrogen-Client-Version` header this client sends. */
  get clientVersion() {
    return this._machine.clientVersion
  }

  /**
   * Starts a call on the machine (`start` answers its first action) and drives it: a rejected promise for every
   * failure, never a throw.
   */
  _run(start, convert, signal) {
    let first
    try {
      first = start()
    } catch (e) {
      return Promise.reject(e instanceof HError ? e : invalid(e && e.message ? e.message : String(e)))
    }
    return this._driver.run(first, convert, toHError, signal)
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

  _call(name, params, sync, timeoutMs, signal, deprecated) {
    const [json, problem] = encodeJson(params)
    const first = this._machine.invoke(name, json, problem, sync, timeoutMs, deprecated)
    return this._driver.run(first, asIs, toHError, signal)
  }

  /** Password login with `{username|email|phone, password}`; resolves to the `CurrentUser`. */
  login(credentials) {
    return this._run(() => this._machine.login(credentialsJson(credentials, 'login'), false), currentUser)
  }

  /** Registers a user with `{username|email|phone, password}` and signs them in; resolves to the `CurrentUser`. */
  register(credentials) {
    return this._run(() => this._machine.login(credentialsJson(credentials, 'register'), true), currentUser)
  }

  /** SMS login: `loginWithSmsVerificationCode(phone, code, {createUser = true})`. */
  loginWithSmsVerificationCode(phone, code, options) {
    return this._run(() => {
      if (typeof phone !== 'string') throw invalid(`phone must be a string, got ${describe(phone)}`)
      if (typeof code !== 'string') throw invalid(`verification code must be a string, got ${describe(code)}`)
      return this._machine.loginWithSms(phone, code, booleanOption(options, 'createUser', true))
    }, currentUser)
  }

  /** Anonymous login: a temporary user. */
  anonymousLogin() {
    return this._run(() => this._machine.anonymousLogin(), currentUser)
  }

  /**
   * Silent login with the `loginCode` hook's code, `{createUser = true, withUnionID = false}`. With a live session
   * it sends nothing and resolves the current user, as the official SDK does. HError 611 where the platform has
   * no silent login (`node`, `web`).
   */
  silentLogin(options) {
    return this._run(() => this._machine.silentLogin(undefined, jsonArgument(options, 'silentLogin options')), currentUser)
  }

  /**
   * The official `loginWithWechat(authData, {createUser = true, withUnionID = false, syncUserProfile})`: silent login
   * as `silentLogin`. An `authData` with `detail` (a phone-number or user-info authorization) is HError 611.
   */
  loginWithWechat(authData, options) {
    return this._run(
      () => this._machine.silentLogin(jsonArgument(authData, 'authData'), jsonArgument(options, 'loginWithWechat options')),
      currentUser,
    )
  }

  /** The signed-in user's profile from the server (the official `getCurrentUser`); HError 604 without a live session. */
  getCurrentUser() {
    return this._run(() => this._machine.getCurrentUser(), currentUser)
  }

  /** Destroys the session on the server, then forgets it locally. */
  logout() {
    return this._run(() => this._machine.logout(), toNothing)
  }

  /** Forgets the session locally (the official SDK's keys). */
  clearSession() {
    const error = this._machine.clearSession()
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
    loginWithWechat: withClient((client, authData, options) => client.loginWithWechat(authData, options)),
    getCurrentUser: withClient((client) => client.getCurrentUser()),
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
  /** `new WeChatCloud({appId, appSecret, env, baseUrl?, tokenMode?: 'stable'|'classic', timeoutMs?, transport?})`. */
  constructor(options) {
    if (!isPlainObject(options)) throw wechatInvalid(`options must be an object, got ${describe(options)}`)
    for (const key of ['appId', 'appSecret', 'env']) {
      if (typeof options[key] !== 'string') throw wechatInvalid(`${key} must be a string, got ${describe(options[key])}`)
    }
    const transport = transportOf(options.transport, wechatInvalid)
    const machine = new native.NativeWeChatMachine({
      appId: options.appId,
      appSecret: options.appSecret,
      env: options.env,
      baseUrl: options.baseUrl,
      tokenMode: options.tokenMode,
      timeoutMs: options.timeoutMs,
    })
    const error = machine.initError()
    if (error) throw new WeChatError(error)
    this._machine = machine
    this._driver = new Driver(machine, transport)
  }

  /**
   * Runs cloud function `name` with `event` (any JSON value; `{}` when omitted) and resolves to its return value
   * (`resp_data` decoded). `{signal}` cancels the call (a WeChatError of kind `cancelled`).
   */
  invokeCloudFunction(name, event, options = {}) {
    if (typeof name !== 'string') return Promise.reject(wechatInvalid(`function name must be a string, got ${describe(name)}`))
    const [json, problem] = encodeJson(event)
    if (problem) return Promise.reject(wechatInvalid(`event cannot be encoded as JSON: ${problem}`))
    const first = this._machine.invokeCloudFunction(name, json)
    return this._driver.run(first, asIs, toWeChatError, options && options.signal)
  }
}

const toWeChatError = (fields) => new WeChatError(fields)

/** `{sync, timeoutMs, signal}` of a MinappServer call (a boolean is `sync`, as `BaaS.invoke` takes it). */
function serverCallOptions(options) {
  if (typeof options === 'boolean') return { sync: options }
  const checked = invokeOptions(options)
  if (checked.sync !== undefined && typeof checked.sync !== 'boolean') throw invalid(`sync must be a boolean, got ${describe(checked.sync)}`)
  return checked
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
 * cached, renewed and refreshed once on a 401 for you. Every rule lives in the core's machine; calls run on
 * the event loop like `Client`'s (lib/driver.js), sent with Node's HTTP client or, with `transport: 'pooled'`,
 * the addon's pool. For servers only: never ship a client secret inside a mini-program, page or app. Printing
 * the client never shows the secret.
 */
class MinappServer {
  /** `new MinappServer({clientId, clientSecret, host?, env?, timeoutMs?, transport?})`. */
  constructor(options) {
    if (!isPlainObject(options)) throw invalid(`options must be an object {clientId, clientSecret, host?}, got ${describe(options)}`)
    const transport = transportOf(options.transport, invalid)
    const machine = new native.NativeMinappServerMachine({
      clientId: stringArg('clientId', options.clientId),
      clientSecret: stringArg('clientSecret', options.clientSecret),
      host: optionalString('host', options.host),
      env: optionalString('env', options.env),
      timeoutMs: options.timeoutMs,
    })
    const error = machine.initError()
    if (error) throw new HError(error)
    Object.defineProperty(this, '_machine', { value: machine, enumerable: false })
    Object.defineProperty(this, '_driver', { value: new Driver(machine, transport), enumerable: false })
  }

  /** Drives a call from the first action its start answered; `signal` cancels it. */
  _run(first, signal, convert = asIs) {
    return this._driver.run(first, convert, toHError, signal)
  }

  /** Runs function `name` as a server: `{code, data, error}` (`{status: 'ok'}` with `sync: false`). */
  async invoke(name, data, options) {
    const { sync = true, timeoutMs, signal } = serverCallOptions(options)
    const json = jsonArgument(data, 'data')
    return this._run(this._machine.invoke(stringArg('function name', name), json, sync, timeoutMs), signal)
  }

  /** Runs function `name` and resolves to its result plus `job_id`, `execution_time`, `billing_time`, `mem_usage`, `log`. */
  async debug(name, data, options) {
    const { timeoutMs, signal } = serverCallOptions(options)
    const json = jsonArgument(data, 'data')
    return this._run(this._machine.debug(stringArg('function name', name), json, timeoutMs), signal)
  }

  /** One page of functions: `{meta, objects}`. */
  async listFunctions({ limit, offset } = {}) {
    return this._run(this._machine.listFunctions(limit, offset))
  }

  /** One function (404 when there is none). */
  async getFunction(name) {
    return this._run(this._machine.getFunction(stringArg('function name', name)))
  }

  /** Creates function `name` whose `index.js` is `code`; resolves to the created function. */
  async createFunction(name, code, { remark } = {}) {
    return this._run(this._machine.createFunction(stringArg('function name', name), stringArg('code', code), optionalString('remark', remark)))
  }

  /** Changes function `name`'s `code` and/or `remark`. */
  async updateFunction(name, { code, remark } = {}) {
    return this._run(this._machine.updateFunction(stringArg('function name', name), optionalString('code', code), optionalString('remark', remark)))
  }

  /** Deletes function `name`. */
  async deleteFunction(name) {
    return this._run(this._machine.deleteFunction(stringArg('function name', name)), undefined, toNothing)
  }

  /** Function `name`'s job records: `{meta, objects}`, filtered by `{source, status, createdAtGte, createdAtLte, limit, offset}`. */
  async listJobs(name, query = {}) {
    if (!isPlainObject(query)) throw invalid(`query must be an object, got ${describe(query)}`)
    return this._run(this._machine.listJobs(stringArg('function name', name), query))
  }

  /** Never shows the secret. */
  toString() {
    return '[MinappServer]'
  }

  toJSON() {
    return {}
  }
}

module.exports = { BaaS, Client, CurrentUser, HError, MinappServer, WeChatCloud, WeChatError, setLogger }
