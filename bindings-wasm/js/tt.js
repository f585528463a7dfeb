// minicloud-wasm/tt: BaaS for ByteDance (Douyin, Toutiao) mini-programs, over the global `tt` (also reachable as tt.BaaS). Runs the
// core with `TTWebAssembly` (Douyin's documented loader) from the code package's default path, else (CommonJS, as the
// host's npm build ships it) the JS build beside this file. minicloud-wasm/tt/js is the JS build alone.

import { hostEntry, hostLoader, requiredJs, PACKAGE_WASM } from './entry.js';
import { ttHost } from './hosts/specs.js';

export const { BaaS, createBaaS } = hostEntry({
  ...ttHost,
  builds: [() => hostLoader(typeof TTWebAssembly !== 'undefined' ? TTWebAssembly : null, PACKAGE_WASM)(), requiredJs()],
  ship: `ship minicloud.wasm.br at ${PACKAGE_WASM} (TTWebAssembly with .wasm.br needs base library 2.92.0.0; 构建 npm copies it there), keep core.js beside the entry, or import minicloud-wasm/tt/js`,
});
export default BaaS;
