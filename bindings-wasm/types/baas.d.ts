// The BaaS object every minicloud-wasm entry exports: the official minapp-sdk surface (BaaS.init, BaaS.invoke,
// BaaS.auth.*), wire-compatible with minapp-sdk 3.23.6.

/** The error of every call: an `Error` named `HError` with the official `code` and `message`. */
export interface HError extends Error {
  name: 'HError';
  /** The official code: an HTTP status, or 600 (network), 601 (timeout, or a failed exchange), 602
   * (uninitialized), 604 (session missing), 605 (bad argument), 611 (unsupported), 614 (host login failed). */
  code: number;
  /** `"{code}: {text}"`, as the official SDK words it. */
  message: string;
  /** What a program can branch on. */
  kind:
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
    | 'internal';
  /** The HTTP status, when the server answered. */
  status: number | null;
  /** The server's `x-request-id`, when it sent one. */
  requestId: string | null;
  /** Whether the same call may succeed later. */
  retryable: boolean;
  /** The error body or the cause, secrets removed. */
  details: unknown;
}

/** What a cloud function call resolves to: the server's body unchanged. */
export interface InvokeResult {
  code?: number;
  data?: any;
  error?: any;
  /** `'ok'` for an async (`sync: false`) call. */
  status?: string;
  [key: string]: any;
}

/** `{username | email | phone, password}`, as the official `BaaS.auth.login` takes it. */
export type Credentials =
  | { username: string; password: string }
  | { email: string; password: string }
  | { phone: string; password: string };

/** The signed-in user, as logins and `getCurrentUser` resolve it. */
export interface CurrentUser {
  userId: number | string | null;
  openid: string | null;
  unionid: string | null;
  isAnonymous: boolean;
  /** Session expiry, epoch seconds (30 s early). */
  expiresAt: number | null;
  /** The user's attributes (`id`, `openid`, `nickname`, ...). */
  profile: Record<string, any>;
  /** The user's attributes, as the official current-user object's `toJSON()`. */
  toJSON(): Record<string, any>;
  /** One attribute, as the official current-user object's `get(key)`. */
  get(key: string): any;
}

/** The wasm core, when an app ships it itself: bytes, a `WebAssembly.Module`, a URL, `Response` or a Promise of
 * bytes (web), or a loader such as `(imports) => WXWebAssembly.instantiate('/path/minicloud.wasm.br', imports)`.
 * (Typed structurally, so projects without the DOM library compile.) */
export type WasmSource = ArrayBuffer | ArrayBufferView | string | object | ((imports: Record<string, never>) => unknown);

/** `BaaS.init(clientID, options)`: the official options, plus minicloud's time and size limits. */
export interface InitOptions {
  /** API base URL; default `https://{clientID}.myminapp.com`. */
  host?: string;
  /** `X-Hydrogen-Env-ID`. */
  env?: string;
  /** `true`/`'silent'`: the host's silent login; `'anonymous'`; `{username|email|phone, password}`; `false` (default). */
  autoLogin?: boolean | 'silent' | 'anonymous' | 'disabled' | Credentials;
  /** Accepted for compatibility with the official SDK; ignored. */
  logLevel?: string;
  /** Run this wasm core instead of the entry's default. */
  wasm?: WasmSource;
  /** Time limit of a sync invoke, login included (default 6000). */
  syncTimeoutMs?: number;
  /** Time limit of an async invoke (default 305000). */
  asyncTimeoutMs?: number;
  /** Time limit of login and session calls (default 10000). */
  authTimeoutMs?: number;
  /** Largest request body sent (default 6 MiB); larger is HError 605 before sending. */
  maxRequestBytes?: number;
  /** Largest response body read (default 16 MiB); larger is HError 601. */
  maxResponseBytes?: number;
}

/** An `AbortSignal`, or anything with `aborted` and `addEventListener('abort', fn)` (hosts without one). */
export interface SignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener?(type: 'abort', listener: () => void): void;
}

/** Options of one invoke. */
export interface InvokeOptions {
  /** This call's time limit (login and the 401 resend included); past it, HError 601 kind `timeout`. */
  timeoutMs?: number;
  /** Aborting cancels the call; it rejects with kind `cancelled`. */
  signal?: SignalLike;
}

/** `loginWith<Host>(authData, options)` and `silentLogin(options)`. */
export interface SilentLoginOptions {
  /** Create the user when the host account is new (default true). */
  createUser?: boolean;
  /** wx: log in by unionid (default false). */
  withUnionID?: boolean;
  /** Accepted for compatibility; minicloud makes no user-info login. */
  syncUserProfile?: string;
}

export interface Auth {
  login(credentials: Credentials): Promise<CurrentUser>;
  register(credentials: Credentials): Promise<CurrentUser>;
  loginWithSmsVerificationCode(phone: string, code: string, options?: { createUser?: boolean }): Promise<CurrentUser>;
  anonymousLogin(): Promise<CurrentUser>;
  /** The host's silent login; with a live session it sends nothing. HError 611 on the web. */
  silentLogin(options?: SilentLoginOptions): Promise<CurrentUser>;
  /** The current user, asked of the server; HError 604 without a live session. */
  getCurrentUser(): Promise<CurrentUser>;
  logout(): Promise<void>;
}

/** The BaaS object of an entry; `Alias` is the host's official silent-login name (`loginWithWechat`, ...). */
export type BaaS<Alias extends string = never> = {
  /** Resolves when the client is ready; calls made before then wait for it. */
  init(clientID: string, options?: InitOptions): Promise<void>;
  invoke(functionName: string, params?: unknown, sync?: boolean, options?: InvokeOptions): Promise<InvokeResult>;
  /** @deprecated use `invoke` */
  invokeFunction(functionName: string, params?: unknown, sync?: boolean, options?: InvokeOptions): Promise<InvokeResult>;
  auth: Auth & { [K in Alias]: (authData?: null | Record<string, unknown>, options?: SilentLoginOptions) => Promise<CurrentUser> };
  /** Forgets the session (the official storage keys). */
  clearSession(): void;
};
