// minicloud-wasm/wx: BaaS for WeChat mini-programs, over the global `wx` (also reachable as wx.BaaS). Runs the core with
// `WXWebAssembly` from the code package (WeChat's documented loader), else the JS build beside this file;
// minicloud-wasm/wx/js is the JS build alone.

import { hostEntry, hostLoader, requiredJs, PACKAGE_WASM } from './entry.js';
import { miniProgramHost } from './hosts/miniprogram.js';

export const { BaaS, createBaaS } = hostEntry({
  platform: 'wx',
  api: () => (typeof wx !== 'undefined' ? wx : undefined),
  adapter: (api) => miniProgramHost(api, 'wx'),
  alias: 'loginWithWechat',
  builds: [
    () => hostLoader(typeof WXWebAssembly !== 'undefined' ? WXWebAssembly : null, PACKAGE_WASM)(),
    requiredJs(),
  ],
  ship: `ship minicloud.wasm.br at ${PACKAGE_WASM} (WXWebAssembly with .wasm.br needs base library 2.14.0; 构建 npm copies it there), keep core.js beside the entry, or import minicloud-wasm/wx/js`,
});
export default BaaS;
