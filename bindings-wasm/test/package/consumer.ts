// Type-checks a usage of every entry's declarations under `tsc --strict` (test/package.test.mjs).
import { BaaS, createBaaS, type HError, type CurrentUser, type InvokeResult } from 'minicloud-wasm/wx';
import { BaaS as webBaaS } from 'minicloud-wasm/web';
import { BaaS as myBaaS } from 'minicloud-wasm/my';
import ttBaaS from 'minicloud-wasm/tt/js';
import { BaaS as qq } from 'minicloud-wasm/qq';
import { BaaS as swan } from 'minicloud-wasm/swan';
import { BaaS as jd } from 'minicloud-wasm/jd';
import { BaaS as ks } from 'minicloud-wasm/ks';

async function main(): Promise<void> {
  await BaaS.init('a4d2d62965ddb57fa4d6', { autoLogin: true, syncTimeoutMs: 3000 });
  const result: InvokeResult = await BaaS.invoke('helloWorld', { name: 'allen' }, true, { timeoutMs: 1500 });
  const code: number | undefined = result.code;
  const user: CurrentUser = await BaaS.auth.loginWithWechat(null, { createUser: true, withUnionID: false });
  const id: number | string | null = user.userId;
  const profile: Record<string, any> = user.toJSON();
  const me = await BaaS.auth.getCurrentUser();
  await webBaaS.init('a4d2d62965ddb57fa4d6', { autoLogin: 'anonymous' });
  await webBaaS.auth.anonymousLogin();
  await myBaaS.auth.loginWithAlipay();
  await ttBaaS.auth.loginWithTt();
  await Promise.all([qq.auth.loginWithQQ(), swan.auth.loginWithBaidu(), jd.auth.loginWithJd(), ks.auth.loginWithKs()]);
  const own = createBaaS({ request: () => undefined, getStorageSync: () => '', setStorageSync: () => undefined });
  own.clearSession();
  try {
    await BaaS.invoke('');
  } catch (e) {
    const error = e as HError;
    const retry: boolean = error.retryable && error.kind !== 'cancelled' && error.code === 601;
    void [code, id, profile, me.openid, retry, error.status, error.requestId];
  }
}
main();
