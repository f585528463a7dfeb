// The dashboard (`minicloud serve` → /dashboard/) in a real headless Chromium against a real engine on the
// bundled example functions: it lists them, an invoke from its form shows `hello allen`, and a failing job
// shows its stack. With SCREENSHOT=path, it also saves a screenshot of the page (the README's).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = process.env.MINICLOUD_BIN || join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'debug', 'minicloud');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TOKEN = randomBytes(12).toString('hex');

let engine;
let url;
let browser;
let page;
let dir;

before(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: cargo build -p minicloud-cli (scripts/test-dashboard.sh does)`);
  // A copy of the bundled examples, so the test leaves nothing in the checkout.
  dir = mkdtempSync(join(tmpdir(), 'minicloud-dashboard-'));
  cpSync(join(ROOT, 'examples', 'functions'), join(dir, 'functions'), { recursive: true });
  engine = spawn(BIN, ['serve', join(dir, 'functions'), '--port', '0', '--data-dir', join(dir, 'state'), '--no-triggers'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MINICLOUD_ADMIN_TOKEN: TOKEN, RUST_LOG: 'warn' },
  });
  url = await new Promise((resolve, reject) => {
    let out = '';
    engine.stdout.on('data', (d) => {
      out += d;
      const m = /dashboard: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    engine.on('exit', (code) => reject(new Error(`minicloud serve exited with ${code}`)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'zh-CN' });
  await page.goto(url);
  await page.fill('#token', TOKEN);
  await page.click('#connect');
});

after(async () => {
  await browser?.close();
  if (engine && engine.exitCode === null) {
    engine.kill('SIGTERM');
    await new Promise((r) => engine.on('exit', r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the page lists the example functions with their contract and limits', async () => {
  const rows = page.locator('#functions tbody tr');
  await rows.filter({ hasText: 'sendTemplateMessage' }).waitFor();
  const table = await page.locator('#functions').innerText();
  assert.match(table, /helloWorld/);
  assert.match(table, /sendTemplateMessage/);
  assert.match(table, /5000 ms \/ 256 MB/);
});

test('an invoke from the form shows the result', async () => {
  await page.selectOption('#invoke-fn', 'helloWorld');
  await page.fill('#invoke-params', '{"name": "allen"}');
  await page.click('#invoke-run');
  await page.locator('#invoke-result', { hasText: 'hello allen' }).waitFor();
  const result = JSON.parse(await page.locator('#invoke-result').innerText());
  assert.deepEqual(result, { code: 0, data: 'hello allen', error: {} });
  // The job appears in the list as fulfilled.
  await page.locator('#jobs tbody tr', { hasText: 'fulfilled' }).first().waitFor();
});

test('a failing job shows its stack', async () => {
  await page.selectOption('#invoke-fn', 'helloWorld');
  await page.fill('#invoke-params', '');
  await page.click('#invoke-run');
  const stack = page.locator('#job-detail .stack');
  await stack.waitFor();
  const text = await stack.innerText();
  assert.match(text, /TypeError/);
  assert.match(text, /helloWorld\/index\.js/);
  assert.doesNotMatch(text, /runner\.js/);
  await page.locator('#jobs tbody tr', { hasText: 'execution_failed' }).first().waitFor();
});

test('users signed in to the engine are listed with their sessions', async () => {
  const res = await fetch(url.replace('/dashboard/', '/hserve/v2.1/register/username/'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Hydrogen-Client-ID': 'minicloud-local' },
    body: JSON.stringify({ username: '小明', password: 'pw-123456' }),
  });
  assert.equal(res.status, 201);
  await page.locator('#users tbody tr', { hasText: '小明' }).waitFor();
  const users = await page.locator('#users').innerText();
  assert.match(users, /1 个/);
  if (process.env.SCREENSHOT) {
    await page.selectOption('#invoke-fn', 'helloWorld');
    await page.fill('#invoke-params', '{"name": "allen"}');
    await page.click('#invoke-run');
    await page.locator('#invoke-result', { hasText: 'hello allen' }).waitFor();
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  }
});
