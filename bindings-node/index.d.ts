// Types of the `minicloud` package (the JS wrapper in index.js; the addon's own types are in native.d.ts).
/// <reference types="node" />

/** The kinds of failure the core tells apart (`HError.kind`). */
export type HErrorKind =
  | 'network'
  | 'timeout'
  | 'cancelled'
  | 'invalid_argument'
  | 'payload_too_large'
  | 'uninitialized'
  | 'unsupported'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'rate_limited'
  | 'server'
  | 'http'
  | 'invalid_response'
  | 'response_too_large'

/** The error of every minicloud call: the official SDK's `code` and `message` plus what minicloud adds. */
export declare class HError extends Error {
  /** The official SDK's code: an HTTP status or a 6xx code (605 bad argument, 601 network/timeout, ...). */
  readonly code: number
  /** `"{code}: {text}"`, exactly as the official SDK words it. */
  readonly message: string
  /** Which path produced the error; a cancelled call is `cancelled`, never `timeout`. */
  readonly kind: HErrorKind | (string & {})
  /** The HTTP status when the server answered, else null. */
  readonly status: number | null
  /** The server's `x-request-id`, if it sent one. */
  readonly requestId: string | null
  /** Whether sending the same call again may succeed. */
  readonly retryable: boolean
  /** The raw error body or the transport's cause, secrets removed. */
  readonly details: unknown
}

/** A sync invoke's answer; `code: 1` means the function failed (it does not reject). */
export interface InvokeResult {
  code?: number
  data?: any
  error?: any
  /** `'ok'` for an async (`sync: false`) call. */
  status?: string
  [key: string]: any
}

/** `{username | email | phone, password}`, as the official `BaaS.auth.login` takes it. */
export type Credentials =
  | { username: string; password: string }
  | { email: string; password: string }
  | { phone: string; password: string }

/**
 * The signed-in user every login, `silentLogin`, `loginWithWechat` and `getCurrentUser` resolves to: the official
 * SDK's current-user object (its own properties, `toJSON()`, `get()`) with minicloud's fields beside them. Never
 * holds the token (it stays in the session store).
 */
export declare class CurrentUser {
  // The official object's own properties: the profile's built-in fields (when the profile has them) and every
  // `_`-prefixed one (`_anonymous`, ...), `user_id` and `session_expires_at`.
  readonly id?: number | string
  readonly nickname?: string | null
  readonly avatar?: string | null
  readonly gender?: number | null
  readonly country?: string | null
  readonly province?: string | null
  readonly city?: string | null
  readonly language?: string | null
  readonly is_authorized?: boolean
  readonly created_at?: number
  readonly created_by?: number | string
  readonly updated_at?: number
  /** The user id (`profile.id`), as the official object's `user_id`. */
  readonly user_id: number | string | null
  /** When the session expires, epoch seconds (30 s early), as the official object's `session_expires_at`. */
  readonly session_expires_at: number | null
  readonly [field: `_${string}`]: unknown
  // minicloud's, always present.
  /** The user id (the same as `user_id`). */
  readonly userId: number | string | null
  /** The user's openid on the host, or null when unknown. */
  readonly openid: string | null
  /** The user's unionid, or null when unknown. */
  readonly unionid: string | null
  /** Whether the user is an anonymous temporary user. */
  readonly isAnonymous: boolean
  /** Session expiry, epoch seconds (the same as `session_expires_at`). */
  readonly expiresAt: number | null
  /** The user's attributes: what `toJSON()` returns. */
  readonly profile: Record<string, unknown>
  /** The user's attributes (`id`, `openid`, `nickname`, custom fields ...), as the official `toJSON()`. */
  toJSON(): Record<string, unknown>
  /** One attribute of the user, as the official `get(key)`. */
  get(key: string): unknown
}

/** What a login resolves to (the name of earlier versions). */
export type LoginResult = CurrentUser

/** Options of `silentLogin` and `loginWithWechat` (the official ones). */
export interface SilentLoginOptions {
  /** Create the user when the host account is new (default `true`). */
  createUser?: boolean
  /** Log in by unionid (wx `login_with_unionid`, default `false`). */
  withUnionID?: boolean
}

/** Options of the official `loginWithWechat(authData, options)`. */
export interface LoginWithWechatOptions extends SilentLoginOptions {
  /** Accepted for the official signature; it matters only to user-info logins, which minicloud does not do (611). */
  syncUserProfile?: 'overwrite' | 'setnx' | 'false' | false
  /** Accepted for the official signature. */
  code?: string
}

/**
 * How calls log in by themselves in Node (there is no host login API):
 * - `false` (default): never; a 401 goes to the caller.
 * - `'anonymous'`: an anonymous temporary user.
 * - `{username|email|phone, password}`: that account (kept in memory only).
 * - `'silent'` / `true`: the host's silent login with the `loginCode` hook's code (`true` requires the hook).
 */
export type AutoLogin = boolean | 'silent' | 'anonymous' | Credentials

/** Options of `BaaS.init` (the official ones plus every `ClientOptions` but `clientId`). */
export interface InitOptions {
  /** API base URL; default `https://{clientID}.myminapp.com`. */
  host?: string
  /** `X-Hydrogen-Env-ID`. */
  env?: string
  autoLogin?: AutoLogin
  /** Accepted for compatibility with the official SDK; ignored. */
  logLevel?: string
  /** `X-Hydrogen-Client-Platform` by host short name; default `'node'` (header `NODE`). */
  platform?: 'node' | 'wx' | 'qq' | 'my' | 'swan' | 'tt' | 'jd' | 'ks' | 'web' | 'ios' | 'android' | 'desktop'
  /** Keep the session in this JSON file (official `ifx_baas_*` keys); default: in memory. */
  sessionFile?: string
  /** Time limit of a sync invoke (default 6000). */
  syncTimeoutMs?: number
  /** Time limit of an async invoke (default 305000). */
  asyncTimeoutMs?: number
  /** Time limit of login and session requests (default 10000). */
  authTimeoutMs?: number
  /** Largest request body sent (default 6 MiB); larger is HError 605 before sending. */
  maxRequestBytes?: number
  /** Largest response body read (default 16 MiB); larger is HError 601. */
  maxResponseBytes?: number
  /** Fixes the session clock at this epoch second (tests). */
  nowSecs?: number
  /** ByteDance `appName`, sent lower-cased with `tt` silent login. */
  appName?: string
  /** The host's one-time login code for silent login. */
  loginCode?: () => string | Promise<string>
  /** Who sends the requests; default `'node'`. */
  transport?: Transport
}

/**
 * Who sends a client's HTTP requests (the protocol machine always runs on the event loop): `'node'` Node's own
 * HTTP client with a keep-alive agent (default: fastest and cheapest with few calls in flight); `'pooled'` the
 * addon's reqwest connection pool on its own threads (more calls per second with many calls in flight:
 * benches/README.md).
 */
export type Transport = 'node' | 'pooled'

/** Options of `new Client(...)`. */
export interface ClientOptions extends InitOptions {
  /** The 知晓云 client ID. */
  clientId: string
}

/** Options of one invoke. */
export interface InvokeOptions {
  /** `true` (default): wait for the function's result; `false`: answer at once with `{status: 'ok'}`. */
  sync?: boolean
  /** This call's time limit; past it the call rejects with kind `timeout`. */
  timeoutMs?: number
  /** Aborting cancels the call (the connection is closed); it rejects with kind `cancelled`. */
  signal?: AbortSignal
}

/** The official SDK's `BaaS.auth` calls; every login and `getCurrentUser` resolves to the `CurrentUser`. */
export interface Auth {
  login(credentials: Credentials): Promise<CurrentUser>
  register(credentials: Credentials): Promise<CurrentUser>
  loginWithSmsVerificationCode(phone: string, code: string, options?: { createUser?: boolean }): Promise<CurrentUser>
  anonymousLogin(): Promise<CurrentUser>
  /** Silent login with the `loginCode` hook's code; with a live session it sends nothing and resolves the current user. */
  silentLogin(options?: SilentLoginOptions): Promise<CurrentUser>
  /** The official `loginWithWechat(authData, options)`: silent login; `authData.detail` (user-info or phone login) is HError 611. */
  loginWithWechat(authData?: { detail?: unknown } | null, options?: LoginWithWechatOptions): Promise<CurrentUser>
  /** The signed-in user's profile from the server; HError 604 without a live session. */
  getCurrentUser(): Promise<CurrentUser>
  logout(): Promise<void>
}

/** A 知晓云 client; several can live in one process, each with its own session and connections. Calls run on the event loop. */
export declare class Client {
  constructor(options: ClientOptions)
  /** The `X-Hydrogen-Client-Version` header value this client sends. */
  readonly clientVersion: string
  invoke(functionName: string, params?: unknown, options?: InvokeOptions): Promise<InvokeResult>
  /** @deprecated use `invoke` */
  invokeFunction(functionName: string, params?: unknown, options?: InvokeOptions): Promise<InvokeResult>
  clearSession(): void
}

/** A `Client` has every `BaaS.auth` call as a method. */
export interface Client extends Auth {}

/** Drop-in for the official SDK's `BaaS` object. */
export declare const BaaS: {
  init(clientID: string, options?: InitOptions): void
  invoke(functionName: string, params?: unknown, sync?: boolean): Promise<InvokeResult>
  /** @deprecated use `invoke` */
  invokeFunction(functionName: string, params?: unknown, sync?: boolean): Promise<InvokeResult>
  auth: Auth
  clearSession(): void
}

/** The error of a WeChat cloud call. Never carries a token or the app secret. */
export declare class WeChatError extends Error {
  /** WeChat's errcode; `null` when WeChat never answered (network, timeout, cancelled, bad argument). */
  readonly errcode: number | null
  /** WeChat's errmsg, or the cause. */
  readonly errmsg: string
  /** What kind of failure a program can act on. */
  readonly kind: 'auth' | 'config' | 'quota' | 'system' | 'function' | 'invalid_argument' | 'network' | 'timeout' | 'cancelled' | 'invalid_response'
  /** Whether trying again later may succeed. */
  readonly retryable: boolean
}

/** Options of `new WeChatCloud(...)`. */
export interface WeChatCloudOptions {
  appId: string
  /** Keep it on servers: an app secret must never ship inside a client. */
  appSecret: string
  env: string
  /** Default `https://api.weixin.qq.com`; point it at `minicloud serve` to develop locally. */
  baseUrl?: string
  /** `stable` (default, `POST /cgi-bin/stable_token`) or `classic` (`GET /cgi-bin/token`). */
  tokenMode?: 'stable' | 'classic'
  /** Time limit of each request in milliseconds (default 10000). */
  timeoutMs?: number
  /** Who sends the requests; default `'node'`. */
  transport?: Transport
}

/** WeChat cloud's server-side `invokeCloudFunction` with a managed access_token. */
export declare class WeChatCloud {
  constructor(options: WeChatCloudOptions)
  /** Runs `name` with `event` (`{}` when omitted) and resolves to its return value (`resp_data` decoded). */
  invokeCloudFunction(name: string, event?: unknown, options?: { signal?: AbortSignal }): Promise<unknown>
}

/** Options of `new MinappServer(...)`. */
export interface MinappServerOptions {
  /** The open-API client ID (知晓云 console; `minicloud serve` prints its own). */
  clientId: string
  /** Keep it on servers: a client secret must never ship inside a client. */
  clientSecret: string
  /** Default `https://cloud.minapp.com`; point it at `minicloud serve` to develop locally. */
  host?: string
  /** The environment to act on (`X-Hydrogen-Env-ID`). */
  env?: string
  /** Time limit of each call in milliseconds (default 15000): token flow, call, refresh and resend together. */
  timeoutMs?: number
  /** Who sends the requests (default `'node'`, Node's own HTTP client on the event loop). */
  transport?: Transport
}

/** `sync` (default `true`), a time limit, and an `AbortSignal` that cancels the call. */
export interface ServerCallOptions {
  sync?: boolean
  timeoutMs?: number
  signal?: AbortSignal
}

/** A page of a listing. */
export interface Page<T> {
  meta: { limit: number; offset: number; next: string | null; previous: string | null; total_count: number }
  objects: T[]
}

/** A function as the open API shows it. */
export interface CloudFunction {
  audit_status: string
  created_at: number
  created_by: unknown
  function_code: string
  id: number
  name: string
  plan_circle: unknown
  remark: string
  updated_at: number
  updated_by: unknown
}

/** A job record as the open API lists it. */
export interface JobRecord {
  id: string
  created_at: number
  started_at: number | null
  finished_at: number | null
  mem_usage: number | null
  service_type: 'time_sensitive' | 'batch'
  source: string
  status: string
  user_log_url: string
}

/** A debug run: the invoke body plus the run's facts. */
export interface DebugResult extends InvokeResult {
  job_id: string
  /** Milliseconds. */
  execution_time: number
  billing_time: number
  /** Bytes. */
  mem_usage: number
  /** `ISO time + level + message` lines. */
  log: string
}

/** The 知晓云 open API from the server side, with the access token managed. Errors are `HError`s. */
export declare class MinappServer {
  constructor(options: MinappServerOptions)
  /** Runs `name` as a server: `{code, data, error}` (`{status: 'ok'}` when not `sync`). */
  invoke(name: string, data?: unknown, options?: boolean | ServerCallOptions): Promise<InvokeResult>
  /** Runs `name` and resolves to its result with `job_id`, `execution_time`, `billing_time`, `mem_usage`, `log`. */
  debug(name: string, data?: unknown, options?: ServerCallOptions): Promise<DebugResult>
  listFunctions(page?: { limit?: number; offset?: number }): Promise<Page<CloudFunction>>
  getFunction(name: string): Promise<CloudFunction>
  createFunction(name: string, code: string, options?: { remark?: string }): Promise<CloudFunction>
  updateFunction(name: string, changes: { code?: string; remark?: string }): Promise<CloudFunction>
  deleteFunction(name: string): Promise<void>
  listJobs(
    name: string,
    query?: { source?: string; status?: string; createdAtGte?: number; createdAtLte?: number; limit?: number; offset?: number },
  ): Promise<Page<JobRecord>>
}

/** A log level of the core's events, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * Where the core's log events go: `logger(level, target, message)` gets every event at `level` and above; `null`
 * stops them. By default `warn` and above become `process.emitWarning(message, 'MinicloudWarning')`, and the deprecation
 * of `invokeFunction` (target `minicloud::deprecated`) a `DeprecationWarning`. Events never
 * carry tokens, passwords or secrets.
 */
export declare function setLogger(
  logger: ((level: LogLevel, target: string, message: string) => void) | null,
  level?: LogLevel,
): void
