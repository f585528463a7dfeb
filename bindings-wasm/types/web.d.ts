// minicloud-wasm/web and minicloud-wasm/web/js.
import type { BaaS as BaaSObject } from './baas';
import type { WebHost } from './hosts';

export * from './baas';
export type { WebHost } from './hosts';

/** The BaaS object of this host. */
export declare const BaaS: BaaSObject<never>;
/** An independent BaaS object over an explicit host object. */
export declare function createBaaS(host?: WebHost): BaaSObject<never>;
export default BaaS;
