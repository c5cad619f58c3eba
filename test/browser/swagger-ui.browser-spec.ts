import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, Locator, Page, chromium } from 'playwright-core';

/**
 * Swagger UI as a person uses it, in Debian's Chromium driven by playwright-core, against the
 * demo (`scripts/start-demo.js` from the sources, a fresh DATA_DIR): Authorize with the admin
 * key the demo generated, then for each provider "Try it out" → pick its example → "Execute" on
 * POST /v1/sub-users (201 each), then GET /v1/sub-users with a metadata filter (200, the three
 * sub-users). A screenshot of each result is saved in artifacts/browser/ (git-ignored).
 *
 * Chromium dials nothing: the flags below switch off every background connection, and the test
 * fails if the page asks for anything but the demo.
 */
jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
export const SCREENSHOTS = join(ROOT, 'artifacts', 'browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PROVIDERS = ['webshare', 'proxyhat', 'iproyal'] as const;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Demo {
  url: string;
  adminKey: string;
  process: ChildProcess;
  output: string[];
}

/** `npm start`'s demo, from the TypeScript sources (DEMO_FROM_SOURCE=1), on a free loopback port. */
async function startDemo(dataDir: string): Promise<Demo> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start-demo.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      DEMO_FROM_SOURCE: '1',
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      SANDBOX_PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await until(
    'the demo answering /health/live',
    async () => {
      if (child.exitCode !== null) throw new Error(`the demo exited: ${output.join('')}`);
      return (await fetch(`${url}/health/live`)).ok ? true : undefined;
    },
    120_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${output.join('')}`);
  });
  const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
  return { url, adminKey, process: child, output };
}

async function stopDemo(demo: Demo | undefined): Promise<void> {
  if (!demo || demo.process.exitCode !== null) return;
  const exited = new Promise((resolve) => demo.process.once('exit', resolve));
  demo.process.kill('SIGTERM');
  await exited;
}

/** The live response of an operation once Execute has answered: its status and body text. */
async function executed(operation: Locator): Promise<{ status: number; body: string; url: string }> {
  const row = operation.locator('.live-responses-table tbody .response').first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  const status = Number((await row.locator('.response-col_status').innerText()).trim());
  const body = (await row.locator('.response-col_description pre').first().textContent()) ?? '';
  const url = (await operation.locator('.request-url pre').first().textContent()) ?? '';
  return { status, body, url };
}

describe('Swagger UI in Chromium against the demo', () => {
  let demo: Demo | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let dataDir: string;
  let profileDir: string;
  const offSite: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'sgw-browser-demo-'));
    profileDir = mkdtempSync(join(tmpdir(), 'sgw-browser-profile-'));
    demo = await startDemo(dataDir);
    // A fresh profile per run (playwright passes it as --user-data-dir).
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 1600 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => {
      if (!request.url().startsWith(demo!.url) && !request.url().startsWith('data:'))
        offSite.push(request.url());
    });
  });
  afterAll(async () => {
    await context?.close();
    await stopDemo(demo);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
  });

  it('authorizes with the admin key, creates a sub-user per provider from its example, and lists them by metadata', async () => {
    await page.goto(`${demo!.url}/docs`);
    await page.locator('.opblock').first().waitFor();

    // Authorize: the bearer scheme takes the key as it is (no "Bearer " to type).
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').first().fill(demo!.adminKey);
    await dialog.locator('button.authorize').click();
    await expectVisible(dialog.locator('button', { hasText: 'Logout' }));
    await dialog.locator('button.btn-done').click();
    await page.screenshot({ path: join(SCREENSHOTS, '01-authorized.png') });

    const create = page.locator('#operations-sub-users-SubUsers_create');
    await create.locator('.opblock-summary').click();
    await create.locator('button.try-out__btn').click();
    const exampleSelect = create.locator('.opblock-section-request-body select.examples-select-element');
    const body = create.locator('textarea.body-param__text');
    const created: Record<string, { status: number; json: any }> = {};
    for (const provider of PROVIDERS) {
      await exampleSelect.selectOption(provider);
      await expectText(body, `"provider": "${provider}"`);
      const clear = create.locator('button.btn-clear');
      if (await clear.isVisible()) await clear.click();
      await create.locator('button.execute').click();
      const answer = await executed(create);
      created[provider] = { status: answer.status, json: JSON.parse(answer.body) };
      await screenshotResult(page, create, `02-create-${provider}.png`);
    }
    expect(
      Object.fromEntries(
        PROVIDERS.map((provider) => [
          provider,
          [created[provider].status, created[provider].json.provider, created[provider].json.status],
        ]),
      ),
    ).toEqual({
      webshare: [201, 'webshare', 'active'],
      proxyhat: [201, 'proxyhat', 'active'],
      iproyal: [201, 'iproyal', 'active'],
    });

    // The list, filtered on the examples' tag: a JSON object in the metadata field.
    await create.locator('.opblock-summary').click();
    const list = page.locator('#operations-sub-users-SubUsers_list');
    await list.locator('.opblock-summary').click();
    await list.locator('button.try-out__btn').click();
    const metadata = list.locator('tr[data-param-name="metadata"] textarea');
    await metadata.fill('{"customerId": "c-42"}');
    await list.locator('tr[data-param-name="q"] input').fill('');
    await list.locator('button.execute').click();
    const listed = await executed(list);
    await screenshotResult(page, list, '03-list-metadata-filter.png');
    expect(listed.status).toBe(200);
    expect(decodeURIComponent(listed.url)).toContain('metadata[customerId]=c-42');
    const items = (JSON.parse(listed.body) as { items: { id: string; metadata: Record<string, string> }[] })
      .items;
    expect(items.map((item) => item.id).sort()).toEqual(
      PROVIDERS.map((provider) => created[provider].json.id).sort(),
    );
    expect(items.every((item) => item.metadata.customerId === 'c-42')).toBe(true);

    expect(offSite).toEqual([]);
  });
});

/** The operation from its header down to the server's response (not the documented ones below). */
async function screenshotResult(page: Page, operation: Locator, name: string): Promise<void> {
  const top = await operation.boundingBox();
  const bottom = await operation.locator('.live-responses-table').first().boundingBox();
  if (!top || !bottom) throw new Error(`nothing to take a screenshot of for ${name}`);
  // Bounding boxes are relative to the viewport, a full-page clip to the page.
  const scrollY = (await page.evaluate('window.scrollY')) as number;
  await page.screenshot({
    path: join(SCREENSHOTS, name),
    fullPage: true,
    clip: { x: top.x, y: top.y + scrollY, width: top.width, height: bottom.y + bottom.height - top.y + 8 },
  });
}

async function expectVisible(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: 10_000 });
}

async function expectText(locator: Locator, text: string): Promise<void> {
  await until(
    `"${text}" in the request body`,
    async () => ((await locator.inputValue()).includes(text) ? true : undefined),
    10_000,
  );
}
