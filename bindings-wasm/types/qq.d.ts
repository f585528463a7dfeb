// minicloud-wasm/qq and minicloud-wasm/qq/js.
import type { BaaS as BaaSObject } from './baas';
import type { WxStyleHost } from './hosts';

export * from './baas';
export type { WxStyleHost } from './hosts';

/** The BaaS object of this host (also set as qq.BaaS, like the official SDK). */
export declare const BaaS: BaaSObject<'loginWithQQ'>;
/** An independent BaaS object over an explicit host object (default: the global qq). */
export declare function createBaaS(host?: WxStyleHost): BaaSObject<'loginWithQQ'>;
export default BaaS;
