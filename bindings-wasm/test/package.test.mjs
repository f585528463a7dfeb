// The package as users get it: `npm pack`, the tarball installed into a fresh project outside the repository
// (no registry needed: the package has no dependencies), then every entry imported and invoked over loopback
// as an ES module and through require, and the TypeScript declarations checked with `tsc --strict` on a usage
// file in a project without the DOM library (as a mini-program project compiles); and the adapters' calls on
// the host APIs checked against the hosts' official typings (miniprogram-api-typings, @douyin-microapp/typings,
// @mini-types/alipay).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, cpSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const PKG = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./package/', import.meta.url));
const TSC = join(PKG, 'node_modules/typescript/bin/tsc');

let project;
let srv;
let env;

before(async () => {
  srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const login = req.url.includes('login');
      res.writeHead(login ? 201 : 200, { 'content-type': 'application/json' });
      res.end(login ? JSON.stringify({ token: 'tok', expires_in: 7200, user_id: 1 }) : JSON.stringify({ code: 0, data: JSON.parse(body).data, error: {} }));
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  env = { ...process.env, MINICLOUD_URL: `http://127.0.0.1:${srv.address().port}` };
  project = mkdtempSync(join(tmpdir(), 'minicloud-wasm-consumer-'));
  const { stdout } = await run('npm', ['pack', '--pack-destination', project, '--loglevel=error'], { cwd: PKG });
  const tarball = join(project, stdout.trim().split('\n').pop());
  cpSync(FIXTURES, project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project });
});

after(() => {
  if (srv) {
    srv.closeAllConnections();
    srv.close();
  }
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Every entry path of the package, as an app writes it. */
const PATHS = (hosts) => hosts.flatMap((h) => [h, `${h}/js`]);
const echoed = (paths) => Object.fromEntries(paths.map((p) => [p, `${p} 你好 🚀`]));

test('the tarball carries the built entries, the binaries, the JS build and the types, and nothing else', async () => {
  const { stdout } = await run('tar', ['-tzf', join(project, readdirSync(project).find((f) => f.endsWith('.tgz')))]);
  const files = stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const f of ['dist/web.mjs', 'dist/minicloud.wasm', 'dist/core.mjs', 'miniprogram_dist/wx.js', 'miniprogram_dist/wx/js.js', 'miniprogram_dist/core.js', 'miniprogram_dist/minicloud.wasm.br', 'types/wx.d.ts', 'types/baas.d.ts']) {
    assert.ok(files.includes(f), `${f} is not in the tarball`);
  }
  assert.deepEqual(files.filter((f) => /^(src|js|test|pkg)\//.test(f)), []);
});

test('every entry, imported as an ES module from the installed package, invokes with auto-login', async () => {
  const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: project, env });
  assert.deepEqual(JSON.parse(stdout), echoed(PATHS(['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks', 'web'])));
});

test("every mini-program entry, through require('minicloud-wasm/<host>'), invokes with auto-login", async () => {
  const { stdout } = await run(process.execPath, ['consumer.cjs'], { cwd: project, env });
  assert.deepEqual(JSON.parse(stdout), echoed(PATHS(['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks'])));
});

test('the declarations of every entry compile a usage file under tsc --strict, without the DOM library', async () => {
  await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project }).catch((e) => {
    assert.fail(`tsc: ${e.stdout}${e.stderr}`);
  });
});

for (const host of ['wx', 'tt', 'my']) {
  test(`${host}: the adapter's calls on the host API compile against the host's official typings`, async () => {
    // test/typings/<host>.ts writes the adapter's calls as it makes them; the known differences from the
    // typings are pinned there with @ts-expect-error (an expectation that no longer holds fails too).
    await run(process.execPath, [TSC, '-p', `test/typings/tsconfig.${host}.json`], { cwd: PKG }).catch((e) => {
      assert.fail(`tsc: ${e.stdout}${e.stderr}`);
    });
  });
}
