// The parts of each host's API minicloud-wasm uses: what `createBaaS(hostObject)` accepts (the host's own
// global, or an object wrapping it). test/types/ checks these against the hosts' official typings.

interface HostCallbacks<Success, Fail> {
  success?(res: Success): void;
  fail?(err: Fail): void;
}

/** wx, qq, swan, tt, jd, ks. */
export interface WxStyleHost {
  request(
    options: {
      url: string;
      method: 'GET' | 'POST';
      header: Record<string, string>;
      data?: string;
      dataType: string;
      responseType: 'text';
      timeout: number;
    } & HostCallbacks<{ statusCode: number; header: object; data: unknown }, { errMsg: string; statusCode?: number }>,
  ): { abort(): void } | void;
  getStorageSync(key: string): any;
  setStorageSync(key: string, value: any): void;
  getNetworkType?(options: HostCallbacks<{ networkType: string }, { errMsg: string }>): void;
  login?(options: { force?: boolean } & HostCallbacks<{ code: string }, { errMsg: string }>): void;
  getLoginCode?(options: HostCallbacks<{ code: string }, { errMsg: string }>): void;
  /** tt: `appName` is read from its answer. */
  getSystemInfoSync?(): object;
}

/** Alipay's `my`. */
export interface AlipayHost {
  request(
    options: {
      url: string;
      method: 'GET' | 'POST';
      headers: Record<string, string>;
      data?: string;
      dataType: 'text';
      timeout: number;
    } & HostCallbacks<{ status: number; headers: object; data: unknown }, { error?: number; errorMessage?: string; status?: number }>,
  ): unknown;
  getStorageSync(options: { key: string }): { data: any } | any;
  setStorageSync(options: { key: string; data: any }): void;
  getNetworkType?(options: HostCallbacks<{ networkAvailable: boolean; networkType: string }, unknown>): void;
  getAuthCode?(options: { scopes: string } & HostCallbacks<{ authCode: string }, { error?: number; errorMessage?: string }>): void;
}

/** The browser parts the web entry uses (the page's own by default). */
export interface WebHost {
  fetch?: (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: unknown }) => PromiseLike<unknown>;
  localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  navigator?: { onLine?: boolean };
}
