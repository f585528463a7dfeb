// The vectors on JavaScriptCore (Debian's `jsc` shell, the engine family of iOS hosts), through the shipped ES
// module entries: `jsc -m test/engines/jsc.mjs -- <version> <vector files...>` from the package folder; prints
// one JSON line per case. wx and tt load the binary through a scripted WXWebAssembly/TTWebAssembly that
// reads the package path (as bytes: the shell has no brotli), qq/my/swan/jd/ks run their JS build, the web
// entry is handed the bytes. The shell has no clearTimeout, console, URL, TextDecoder or AbortController.
import { cases, replay } from '../replay.mjs';

const [version, ...files] = globalThis.arguments;
const wasm = readFile('dist/minicloud.wasm', 'binary');
const PACKAGE_WASM = '/miniprogram_npm/minicloud-wasm/minicloud.wasm.br';
const loader = {
  instantiate: (path, imports) =>
    path === PACKAGE_WASM ? WebAssembly.instantiate(wasm, imports) : Promise.reject(new Error(`no such file ${path}`)),
};
globalThis.WXWebAssembly = loader;
globalThis.TTWebAssembly = loader;

for (const c of cases(files.map((f) => JSON.parse(readFile(f))))) {
  const { createBaaS } = await import(`../../dist/${c.host}.mjs`);
  const problems = await replay(c, createBaaS, version, c.host === 'web' ? { wasm } : {});
  print(JSON.stringify({ name: c.v.name, host: c.host, problems }));
}
