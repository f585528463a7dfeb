// What every entry shares: the BaaS object of its host, `createBaaS(hostObject)`, and the choice of build by
// what the host can do (README "Which build runs where"):
// 1. the `wasm` option of BaaS.init, when the app gives one;
// 2. the host's documented wasm loader with the package's default path (wx `WXWebAssembly`, tt
//    `TTWebAssembly`), or on the web the standard `WebAssembly` with the binary next to the entry;
// 3. the JS build (the same core turned into plain JS by wasm2js, `core.mjs`/`core.js` beside the entries):
//    imported by the `/js` entries and by the entries of hosts that document no WebAssembly (qq, my, swan, jd,
//    ks); required only when needed by the CommonJS wx and tt entries.
// When nothing can run the core, init and every call reject with HError 611 naming the host and what to ship.

import { makeBaaS } from './baas.js';

/** Where the mini-program entries expect the compressed binary by default: WeChat's "构建 npm" copies the
 * package's `miniprogram_dist/` to `miniprogram_npm/minicloud-wasm/` in the code package. */
export const PACKAGE_WASM = '/miniprogram_npm/minicloud-wasm/minicloud.wasm.br';

/** A host wasm loader (`WXWebAssembly`, `TTWebAssembly`: `instantiate(packagePath, imports)`) as a build. */
export function hostLoader(loader, path) {
  return () => (loader ? ['wasm', () => Promise.resolve(loader.instantiate(path, {})).then((r) => (r && r.instance ? r.instance : r).exports)] : null);
}

/**
 * The BaaS object of a host entry and its `createBaaS`.
 * @param {object} spec
 * @param {string} spec.platform  the core's platform name
 * @param {() => object | undefined} spec.api  the host's global (wx, my, ...), looked up at init
 * @param {(api: object) => object} spec.adapter  the host adapter over that object
 * @param {string} [spec.alias]  the official name of the host's silent login (loginWithWechat, ...)
 * @param {Array<() => [string, Function] | null>} spec.builds  the builds to try, best first
 * @param {string} spec.ship  what to ship when none runs (HError 611)
 */
export function hostEntry({ platform, api, adapter, alias, builds, ship }) {
  /** A BaaS object over an explicit host object (tests, frameworks that wrap the host API); without one it
   * uses the host's global, looked up at init. */
  function createBaaS(hostObject) {
    return makeBaaS({ platform, adapter: () => adapter(hostObject || api()), silentLoginAlias: alias, candidates: builds, ship });
  }
  const BaaS = createBaaS();
  const host = api();
  if (host && typeof host === 'object' && platform !== 'web') {
    try {
      host.BaaS = BaaS; // wx.BaaS, like the official SDK
    } catch (_) {
      // a frozen host object: the import still works
    }
  }
  return { BaaS, createBaaS };
}

/** The JS build as an entry's build: `instantiate` from the `core.mjs` module the entry imports (external to
 * every bundle, so entries that never run it do not load it). */
export const jsBuild = (instantiate) => () => ['js', instantiate];

/** The JS build loaded on demand in a mini-program (CommonJS `require` of the file beside the entry, which
 * the app may leave out of its package); null when it is not there. */
export function requiredJs() {
  return () => {
    // eslint-disable-next-line no-undef
    const loaded = typeof require === 'function' ? require('./core.js') : null;
    return loaded && typeof loaded.instantiate === 'function' ? ['js', loaded.instantiate] : null;
  };
}
