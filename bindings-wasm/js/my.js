// minicloud-wasm/my: BaaS for Alipay mini-programs, over the global `my` (also reachable as my.BaaS). The host documents no
// WebAssembly in the mini-program logic layer, so this entry runs the JS build (the same core through wasm2js);
// BaaS.init's `wasm` option (bytes, a Module or a loader) runs the wasm build instead.

import { hostEntry, bundledJs } from './entry.js';
import { alipayHost } from './hosts/my.js';

export const { BaaS, createBaaS } = hostEntry({
  platform: 'my',
  api: () => (typeof my !== 'undefined' ? my : undefined),
  adapter: (api) => alipayHost(api),
  alias: 'loginWithAlipay',
  builds: [bundledJs],
  ship: 'the JS build is bundled in this entry',
});
export default BaaS;
