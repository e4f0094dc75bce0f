// The e2e harness: a real `ordo serve --demo` on a free loopback port with a temporary data
// directory, Debian's chromium driven by playwright-core, API helpers for setting up a scene,
// and screenshots. Nothing is downloaded: the browser is /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const USERS = {
  customer: ['customer@ordo.demo', 'Customer123!'],
  customer2: ['customer2@ordo.demo', 'Customer123!'],
  seller: ['seller@ordo.demo', 'Seller123!'],
  seller2: ['seller2@ordo.demo', 'Seller123!'],
  admin: ['admin@ordo.demo', 'Admin123!'],
};

const CHROMIUM = process.env.ORDO_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `fn` until it returns a truthy value (returned), or throws after `ms` with `what`.
export async function eventually(what, fn, ms = 20_000, every = 200) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(every);
  }
}

export class OrdoServer {
  constructor(binary, outDir, extraArgs = []) {
    this.binary = binary;
    this.outDir = outDir;
    this.extraArgs = extraArgs;
  }

  async start() {
    // ORDO_E2E_PORT / ORDO_E2E_WEB: for working on the app, a fixed port that `npm run dev` proxies to.
    this.port = process.env.ORDO_E2E_PORT ? Number(process.env.ORDO_E2E_PORT) : await freePort();
    this.dataDir = mkdtempSync(join(tmpdir(), 'ordo-web-e2e-'));
    this.url = `http://127.0.0.1:${this.port}`;
    this.webUrl = process.env.ORDO_E2E_WEB ?? this.url;
    mkdirSync(this.outDir, { recursive: true });
    const log = createWriteStream(join(this.outDir, 'server.log'));
    this.proc = spawn(this.binary, ['serve', '--demo', '--listen', `127.0.0.1:${this.port}`, '--data', this.dataDir, ...this.extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.pipe(log);
    this.proc.stderr.pipe(log);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    let dead = null;
    this.exited.then((x) => { dead = x; });
    await eventually('the server to be ready', async () => {
      if (dead) throw new Error(`ordo serve exited (${JSON.stringify(dead)}); see ${join(this.outDir, 'server.log')}`);
      const r = await fetch(`${this.url}/readyz`);
      return r.ok;
    }, 60_000, 100);
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const done = await Promise.race([this.exited, sleep(10_000).then(() => null)]);
      if (!done) { this.proc.kill('SIGKILL'); await this.exited; }
    }
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// The API as a script sees it, for setting up scenes and checking outcomes.
export class Api {
  constructor(base) { this.base = base; this.tokens = {}; }

  async token(user) {
    if (!this.tokens[user]) {
      const [username, password] = USERS[user];
      const r = await this.call('POST', '/v1/auth/token', { body: { username, password } });
      this.tokens[user] = r.access_token;
    }
    return this.tokens[user];
  }

  async call(method, path, { as, body, expect } = {}) {
    const headers = { Accept: 'application/json' };
    if (as) headers.Authorization = `Bearer ${await this.token(as)}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method === 'POST' || method === 'PATCH') headers['Idempotency-Key'] = `e2e-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    const json = text ? JSON.parse(text) : null;
    const ok = expect ? r.status === expect : r.ok;
    if (!ok) throw new Error(`${method} ${path} → ${r.status} ${text.slice(0, 300)}`);
    return json;
  }

  get(path, as) { return this.call('GET', path, { as }); }
  post(path, body, as) { return this.call('POST', path, { as, body: body ?? {} }); }

  // An order of `customer` that a location of `seller` supplies: shipped to that location's own
  // coordinates, so that it is the nearest one.
  async orderFor(customer, seller, quantity = 1, extra = {}) {
    const me = await this.get('/v1/auth/me', seller);
    const locations = (await this.get('/v1/locations', customer)).items;
    const stock = (await this.get(`/v1/stock?location_id=${encodeURIComponent(me.locations[0])}`, seller)).items;
    const row = stock.find((s) => s.available >= quantity + 5);
    if (!row) throw new Error(`no stock at ${me.locations[0]}`);
    const loc = locations.find((l) => l.id === me.locations[0]);
    const order = await this.post('/v1/orders', {
      currency: 'EUR',
      lines: [{ sku: row.sku, quantity }],
      shipping_address: { name: 'E2E Buyer', line1: 'Teststrasse 1', city: loc.name, postal_code: '10117', country: 'DE', lat: loc.lat, lng: loc.lng },
      ...extra,
    }, customer);
    return order;
  }

  async waitStatus(id, status, as = 'admin', ms = 20_000) {
    return eventually(`order ${id} to be ${status}`, async () => {
      const o = await this.get(`/v1/orders/${id}`, as);
      return o.status === status ? o : false;
    }, ms);
  }
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// A page of a fresh browser context, with console errors and failed requests recorded.
export async function newPage(browser, base) {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  page.setDefaultTimeout(15_000);
  return page;
}

// Logs in through the login form, as a person would.
export async function login(page, user) {
  const [username, password] = USERS[user];
  await page.goto('/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=role]');
}

export function screenshotter(outDir) {
  let n = 0;
  return async (page, name) => {
    n++;
    const file = join(outDir, `${String(n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
}
