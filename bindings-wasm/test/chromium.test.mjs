// The `web` entry in a real headless Chromium (Debian's chromium, driven by playwright-core) against the real
// engine: a page served on loopback imports minicloud-wasm/web, which fetches its wasm itself, signs in
// (anonymous auto-login), invokes and stores the session in localStorage; the page also shows that a
// network failure and a time limit are HErrors in a real browser (PROTOCOL.md §1.8). The engine answers
// CORS, so the page and the engine are on different origins, as in production.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startEngine } from './engine.mjs';

const PKG_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

function page(engineUrl, clientId, closedUrl) {
  return `<!doctype html><meta charset="utf-8"><title>minicloud-wasm</title>
<script type="module">
import { BaaS, createBaaS } from '/dist/web.mjs';
const herror = (e) => ({ name: e.name, code: e.code, message: e.message, kind: e.kind });
const results = {};
try {
  await BaaS.init(${JSON.stringify(clientId)}, { host: ${JSON.stringify(engineUrl)}, autoLogin: 'anonymous' });
  results.invoke = await BaaS.invoke('helloWorld', { name: 'chromium' });
  results.stored = JSON.parse(localStorage.getItem('ifx_baas_auth_token'));
  results.globalBaaS = window.BaaS === BaaS;
  results.wasmFetched = performance.getEntriesByType('resource').some((r) => r.name.endsWith('/dist/minicloud.wasm'));
  const js = (await import('/dist/web-js.mjs')).createBaaS();
  await js.init(${JSON.stringify(clientId)}, { host: ${JSON.stringify(engineUrl)}, autoLogin: 'anonymous' });
  results.jsBuild = await js.invoke('helloWorld', { name: '纯 JS 🚀' });
} catch (e) {
  results.invokeError = herror(e);
}
const offline = createBaaS();
await offline.init('x', { host: ${JSON.stringify(closedUrl)} });
results.networkError = await offline.invoke('helloWorld', {}).then(() => null, herror);
results.timeout = await BaaS.invoke('slow', { hang: true }, true, { timeoutMs: 100 }).then(() => null, herror);
window.__results = results;
</script>`;
}

let engine;
let server;
let context;
let userDataDir;
let results;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (scripts/test-wasm.sh installs Debian's chromium)`);
  engine = await startEngine();
  const closed = http.createServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  const closedUrl = `http://127.0.0.1:${closed.address().port}`;
  await new Promise((r) => closed.close(r));
  server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(page(engine.url, engine.clientId, closedUrl));
    }
    const file = normalize(join(PKG_ROOT, path));
    if (!file.startsWith(PKG_ROOT) || !/^\/(dist|pkg)\//.test(path) || !existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': TYPES[path.slice(path.lastIndexOf('.'))] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  userDataDir = mkdtempSync(join(tmpdir(), 'minicloud-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const tab = await context.newPage();
  const consoleLines = [];
  tab.on('console', (m) => consoleLines.push(m.text()));
  tab.on('pageerror', (e) => consoleLines.push(String(e)));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => window.__results !== undefined, null, { timeout: 30000 }).catch((e) => {
    throw new Error(`the page never finished: ${e.message}\n${consoleLines.join('\n')}`);
  });
  results = await tab.evaluate(() => window.__results);
});

after(async () => {
  if (context) await context.close();
  if (server) await new Promise((r) => server.close(r));
  if (engine) await engine.stop();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

test('chromium: the web entry signs in anonymously and invokes a real cloud function', () => {
  assert.equal(results.invokeError, undefined);
  assert.deepEqual(results.invoke, { code: 0, data: 'hello chromium', error: {} });
});

test('chromium: the web entry fetched minicloud.wasm from beside itself (the wasm build ran)', () => {
  assert.equal(results.wasmFetched, true);
});

test('chromium: minicloud-wasm/web/js (the JS build) invokes a real cloud function with Chinese and emoji', () => {
  assert.deepEqual(results.jsBuild, { code: 0, data: 'hello 纯 JS 🚀', error: {} });
});

test('chromium: the session is in localStorage as {"value": token}', () => {
  assert.match(results.stored.value, /^[0-9a-f]{40}$/);
});

test('chromium: the entry sets window.BaaS', () => {
  assert.equal(results.globalBaaS, true);
});

test('chromium: a network failure is HError 601, not a TypeError', () => {
  assert.deepEqual(results.networkError, { name: 'HError', code: 601, message: '601: request timeout', kind: 'network' });
});

test('chromium: a call past its time limit is HError 601 with kind timeout', () => {
  assert.deepEqual(results.timeout, { name: 'HError', code: 601, message: '601: request timeout', kind: 'timeout' });
});
