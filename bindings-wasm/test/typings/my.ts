// The calls js/hosts/my.js makes on Alipay's `my`, written as it makes them, against Alipay's official typings
// (@mini-types/alipay); and the official `my` accepted by createBaaS.
/// <reference types="@mini-types/alipay" />
import type { AlipayHost } from '../../types/hosts';

const task = my.request({
  url: 'https://a4d2d62965ddb57fa4d6.myminapp.com/hserve/v1/cloud-function/job/',
  method: 'POST',
  headers: { 'X-Hydrogen-Client-ID': 'a4d2d62965ddb57fa4d6', 'content-type': 'application/json' },
  data: '{"function_name":"helloWorld","sync":true}',
  dataType: 'text',
  timeout: 6000,
  success: (res) => void [res.status, res.headers, res.data],
  fail: (err) => void [err.error, err.errorMessage],
});
// Alipay documents `RequestTask.abort()`, which the adapter calls; the typings declare an internal form
// taking {requestTaskId, operationType}. Pinned here so a change of the typings is noticed.
// @ts-expect-error abort() without arguments
task.abort();
my.setStorageSync({ key: 'ifx_baas_auth_token', data: 'tok' });
void my.getStorageSync({ key: 'ifx_baas_auth_token' }).data;
my.getNetworkType({ success: (res) => void [res.networkAvailable, res.networkType] });
my.getAuthCode({ scopes: 'auth_base', success: (res) => void res.authCode, fail: (err) => void err });
const accepted: AlipayHost = my;
void accepted;
