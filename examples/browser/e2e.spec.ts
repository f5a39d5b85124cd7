// The browser example end to end, in a real headless Chromium: the page
// (index.html and the bundle of src/main.ts, built against the packed
// rx-assistants installed here) is served from a loopback origin, and runs
// the tutor in both of its modes. Run by e2e.sh, which installs and bundles
// first.
import { mkdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSettledOrThrow } from '../../test/browser/support/all';
import { launchChromium } from '../../test/browser/support/chromium';
import { servePages, type PageServer } from '../../test/browser/support/pageServer';
import { startPackedCli, type PackedCli } from './e2eServer';

const here = (path: string) => new URL(path, import.meta.url);
const read = (path: string) => readFileSync(here(path), 'utf8');
const screenshots = fileURLToPath(here('screenshots/'));

/** What esbuild's metafile (`dist/meta.json`) says of the bundle. */
interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
  outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

let browser: Browser | undefined;
let pages: PageServer | undefined;
let server: PackedCli | undefined;

beforeAll(async () => {
  let bundle: string;
  try {
    bundle = read('dist/main.js');
  } catch {
    throw new Error('No dist/main.js: run `bash examples/browser/e2e.sh`, which bundles the page.');
  }
  pages = await servePages({
    '/': { type: 'text/html; charset=utf-8', body: read('index.html') },
    '/dist/main.js': { type: 'text/javascript', body: bundle },
  });
  // The server lets the page's origin in, and no other.
  [browser, server] = await allSettledOrThrow([
    launchChromium().then((launched) => (browser = launched)),
    startPackedCli(['--cors', pages.origin]).then((started) => (server = started)),
  ]);
  mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  expect(await server?.stop()).toBe(0);
});

/** What the page showed of one run, and every URL it requested. */
interface Shown {
  state: string | null;
  statuses: string[];
  pieces: string[];
  error: string;
  requested: string[];
}

/**
 * Opens the page, asks its question in `mode` (the form's radio button), and
 * waits until the page says the run is over; then takes a screenshot.
 */
async function ask(mode: 'page' | 'server', screenshot: string): Promise<Shown> {
  const page: Page = await browser!.newPage();
  page.setDefaultTimeout(90_000);
  const requested: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(`${pages!.origin}/`);
  await page.waitForSelector('#ask-button:enabled'); // the script has loaded
  await page.check(`input[name="mode"][value="${mode}"]`);
  if (mode === 'server') await page.fill('input[name="server-url"]', server!.url);
  await page.click('#ask-button');
  await page.waitForSelector('#output[data-state]:not([data-state="running"])');
  await page.screenshot({ path: `${screenshots}${screenshot}`, fullPage: true });
  const shown: Shown = {
    state: await page.locator('#output').getAttribute('data-state'),
    statuses: await page.locator('#statuses li').allTextContents(),
    pieces: await page.locator('#reply span').allTextContents(),
    error: (await page.locator('#error').textContent()) ?? '',
    requested,
  };
  await page.close();
  // Anything the console said goes with a failure, to tell why.
  if (shown.state !== 'completed') expect.fail(`${JSON.stringify(shown)}\n${problems.join('\n')}`);
  return shown;
}

describe('the page bundle', () => {
  const metafile = () => JSON.parse(read('dist/meta.json')) as Metafile;

  it('is built for the browser: no Node built-in is imported, none is left to import', () => {
    const meta = metafile();
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    const nodeImports = Object.values(meta.inputs)
      .flatMap((input) => input.imports)
      .filter(({ path }) => builtins.has(path) || path.startsWith('node:'));
    expect(nodeImports).toEqual([]);
    // One self-contained script: nothing external left for the browser to fetch.
    expect(Object.values(meta.outputs).flatMap((output) => output.imports)).toEqual([]);
  });

  it('holds the packed rx-assistants (client and embedded runtime), not the server', () => {
    const inputs = Object.keys(metafile().inputs);
    const ours = inputs.filter((path) => path.includes('rx-assistants/'));
    expect(ours).toContain('node_modules/rx-assistants/dist/local.js');
    expect(ours.every((path) => path.startsWith('node_modules/rx-assistants/dist/'))).toBe(true);
    expect(inputs.filter((path) => /\/(hono|@hono|ajv)\//.test(path))).toEqual([]);
  });
});

describe('the page', () => {
  it('runs the tutor in the page (embedded runtime), streaming its reply', async () => {
    const shown = await ask('page', 'in-page.png');

    expect(shown.statuses).toEqual(['queued', 'in_progress', 'completed']);
    expect(shown.pieces.join('')).toContain('x = 2');
    expect(shown.pieces.length).toBeGreaterThan(1);
    // Everything ran in the page: it fetched only itself.
    expect(shown.requested.filter((url) => !url.startsWith(`${pages!.origin}/`))).toEqual([]);
  });

  it('runs the tutor through `rx-assistants serve --cors <its origin>` with the openai SDK', async () => {
    const shown = await ask('server', 'through-server.png');

    expect(shown.statuses).toEqual(['queued', 'in_progress', 'completed']);
    expect(shown.pieces.join('')).toContain('x = 2');
    expect(shown.pieces.length).toBeGreaterThan(1);
    // The run went through the server: created there (on its thread, or with it).
    expect(shown.requested).toContainEqual(
      expect.stringMatching(/\/v1\/threads\/(?:[^/]+\/)?runs$/),
    );
    expect(
      shown.requested.every((url) => url.startsWith(pages!.origin) || url.startsWith(server!.url)),
    ).toBe(true);
  });
});

describe('docs/browser.md', () => {
  it("quotes the example's files as they are", () => {
    const doc = read('../../docs/browser.md');
    const quotes = [...doc.matchAll(/<!-- quoted from (\S+) -->\s*```\w*\n([\s\S]*?)\n```/g)];
    expect(quotes.length).toBeGreaterThanOrEqual(5);
    // Line by line, indentation aside (a quote may come from inside a block).
    const lines = (text: string) => text.split('\n').map((line) => line.trim());
    for (const [, path, code] of quotes) {
      const file = lines(read(`../../${path}`)).join('\n');
      expect(file, `docs/browser.md quotes ${path}`).toContain(lines(code!).join('\n'));
    }
  });
});
