// The calls js/hosts/miniprogram.js makes on `wx`, written as it makes them, against WeChat's official typings
// (miniprogram-api-typings); and the official `wx` accepted by createBaaS. test/typings.test.mjs compiles it.
/// <reference types="miniprogram-api-typings" />
import type { WxStyleHost } from '../../types/hosts';

const task = wx.request({
  url: 'https://a4d2d62965ddb57fa4d6.myminapp.com/hserve/v1/cloud-function/job/',
  method: 'POST',
  header: { 'X-Hydrogen-Client-ID': 'a4d2d62965ddb57fa4d6', 'content-type': 'application/json' },
  data: '{"function_name":"helloWorld","sync":true}',
  dataType: 'text',
  responseType: 'text',
  timeout: 6000,
  success: (res) => void [res.statusCode, res.header, res.data],
  fail: (err) => void err.errMsg,
});
task.abort();
wx.setStorageSync('ifx_baas_auth_token', 'tok');
void wx.getStorageSync('ifx_baas_auth_token');
wx.getNetworkType({ success: (res) => void res.networkType, fail: (err) => void err.errMsg });
wx.login({ success: (res) => void res.code, fail: (err) => void err.errMsg });
void WXWebAssembly.instantiate('/miniprogram_npm/minicloud-wasm/minicloud.wasm.br', {});
const accepted: WxStyleHost = wx;
void accepted;
