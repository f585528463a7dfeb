// minicloud-wasm/qq: BaaS for QQ mini-programs, over the global `qq` (also reachable as qq.BaaS). The host documents no
// WebAssembly in the mini-program logic layer, so this entry runs the JS build (the same core through wasm2js);
// BaaS.init's `wasm` option (bytes, a Module or a loader) runs the wasm build instead.

import { hostEntry, bundledJs } from './entry.js';
import { miniProgramHost } from './hosts/miniprogram.js';

export const { BaaS, createBaaS } = hostEntry({
  platform: 'qq',
  api: () => (typeof qq !== 'undefined' ? qq : undefined),
  adapter: (api) => miniProgramHost(api, 'qq'),
  alias: 'loginWithQQ',
  builds: [bundledJs],
  ship: 'the JS build is bundled in this entry',
});
export default BaaS;
