// minicloud-wasm/wx: BaaS for WeChat mini-programs, over the global `wx` (also reachable as wx.BaaS). Runs the
// core with `WXWebAssembly` (WeChat's documented loader) from the code package's default path, else (CommonJS, as the
// host's npm build ships it) the JS build beside this file. minicloud-wasm/wx/js is the JS build alone.

import { hostEntry, hostLoader, requiredJs, PACKAGE_WASM } from './entry.js';
import { wxHost } from './hosts/specs.js';

export const { BaaS, createBaaS } = hostEntry({
  ...wxHost,
  builds: [() => hostLoader(typeof WXWebAssembly !== 'undefined' ? WXWebAssembly : null, PACKAGE_WASM)(), requiredJs()],
  ship: `ship minicloud.wasm.br at ${PACKAGE_WASM} (WXWebAssembly with .wasm.br needs base library 2.14.0; 构建 npm copies it there), keep core.js beside the entry, or import minicloud-wasm/wx/js`,
});
export default BaaS;
