// minicloud-wasm/qq: BaaS for QQ mini-programs, over the global `qq` (also reachable as qq.BaaS).

import { makeBaaS, loadWasm } from './baas.js';
import { miniProgramHost } from './hosts/miniprogram.js';

const hostApi = () => (typeof qq !== 'undefined' ? qq : undefined);

/** A BaaS object over an explicit `qq`-compatible object (tests, cross-platform frameworks); without one it
 * uses the global `qq`, looked up at init. */
export function createBaaS(api) {
  return makeBaaS({
    platform: 'qq',
    adapter: () => miniProgramHost(api || hostApi(), 'qq'),
    silentLoginAlias: 'loginWithQQ',
  });
}

/** The BaaS object of this host, as the official SDK's `qq.BaaS`. */
export const BaaS = createBaaS();
if (hostApi()) hostApi().BaaS = BaaS;

export { loadWasm };
export default BaaS;
