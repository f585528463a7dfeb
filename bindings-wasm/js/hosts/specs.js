// Each host of the entries: its platform name, its global (looked up when BaaS.init runs), its adapter and its
// official silent-login name. The entry files (js/<host>.js, js/<host>-js.js) add which builds they run.

import { miniProgramHost } from './miniprogram.js';
import { alipayHost } from './my.js';
import { webHost } from './web.js';

const wxStyle = (platform, api, alias) => ({ platform, api, adapter: (host) => miniProgramHost(host, platform), alias });

export const wxHost = /* @__PURE__ */ wxStyle('wx', () => (typeof wx !== 'undefined' ? wx : undefined), 'loginWithWechat');
export const qqHost = /* @__PURE__ */ wxStyle('qq', () => (typeof qq !== 'undefined' ? qq : undefined), 'loginWithQQ');
export const swanHost = /* @__PURE__ */ wxStyle('swan', () => (typeof swan !== 'undefined' ? swan : undefined), 'loginWithBaidu');
export const ttHost = /* @__PURE__ */ wxStyle('tt', () => (typeof tt !== 'undefined' ? tt : undefined), 'loginWithTt');
export const jdHost = /* @__PURE__ */ wxStyle('jd', () => (typeof jd !== 'undefined' ? jd : undefined), 'loginWithJd');
export const ksHost = /* @__PURE__ */ wxStyle('ks', () => (typeof ks !== 'undefined' ? ks : undefined), 'loginWithKs');
export const myHost = {
  platform: 'my',
  api: () => (typeof my !== 'undefined' ? my : undefined),
  adapter: (host) => alipayHost(host),
  alias: 'loginWithAlipay',
};

const browser = () => ({
  fetch: typeof fetch === 'function' ? fetch : undefined,
  localStorage: typeof localStorage !== 'undefined' ? localStorage : undefined,
  navigator: typeof navigator !== 'undefined' ? navigator : undefined,
});

/** The web: `createBaaS({fetch, localStorage, navigator})` overrides the page's own, part by part. */
export const webBrowser = {
  platform: 'web',
  api: () => undefined,
  adapter: (env) => webHost(Object.assign(browser(), env)),
};
