// The calls js/hosts/miniprogram.js makes on `tt`, written as it makes them, against Douyin's official typings
// (@douyin-microapp/typings); and the official `tt` accepted by createBaaS.
/// <reference types="@douyin-microapp/typings" />
import type { WxStyleHost } from '../../types/hosts';

const task = tt.request({
  url: 'https://a4d2d62965ddb57fa4d6.myminapp.com/hserve/v1/cloud-function/job/',
  method: 'POST',
  header: { 'X-Hydrogen-Client-ID': 'a4d2d62965ddb57fa4d6', 'content-type': 'application/json' },
  // Douyin's typings declare `data` as object | ArrayBuffer; the adapter sends the body's exact text, as on wx
  // (the core needs its bytes unchanged). Pinned here so a change of the typings is noticed.
  // @ts-expect-error string data
  data: '{"function_name":"helloWorld","sync":true}',
  dataType: 'text',
  responseType: 'text',
  timeout: 6000,
  success: (res) => void [res.statusCode, res.header, res.data],
  fail: (err) => void err.errMsg,
});
task.abort();
tt.setStorageSync('ifx_baas_auth_token', 'tok');
void tt.getStorageSync('ifx_baas_auth_token');
// Douyin's typings have no getNetworkType (its docs do); the adapter calls it only when it is a function.
// @ts-expect-error getNetworkType is not in the typings
tt.getNetworkType({ success: (res: { networkType: string }) => void res.networkType });
tt.login({ force: true, success: (res) => void res.code, fail: (err) => void err.errMsg });
void tt.getSystemInfoSync().appName;
// The official `tt` is not a WxStyleHost by the typings, for the same `data` reason.
// @ts-expect-error string data
const accepted: WxStyleHost = tt;
void accepted;
