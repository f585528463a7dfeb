// minicloud-wasm/tt: BaaS for ByteDance (Douyin, Toutiao) mini-programs, over the global `tt` (also reachable as tt.BaaS).

import { makeBaaS, loadWasm } from './baas.js';
import { miniProgramHost } from './hosts/miniprogram.js';

const hostApi = () => (typeof tt !== 'undefined' ? tt : undefined);

/** A BaaS object over an explicit `tt`-compatible object (tests, cross-platform frameworks); without one it
 * uses the global `tt`, looked up at init. */
export function createBaaS(api) {
  return makeBaaS({
    platform: 'tt',
    adapter: () => miniProgramHost(api || hostApi(), 'tt'),
    silentLoginAlias: 'loginWithTt',
  });
}

/** The BaaS object of this host, as the official SDK's `tt.BaaS`. */
export const BaaS = createBaaS();
if (hostApi()) hostApi().BaaS = BaaS;

export { loadWasm };
export default BaaS;
