// The embedded runtime in a web page, its store PGlite in the browser's
// IndexedDB (`sqlStore(pglite(await PGlite.create('idb://…')))`), in a real
// headless Chromium: a thread and its reply, written before a reload, are
// there after it, and in another tab of the same origin.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdbPage } from './pages/idbPage';
import { bundlePage } from './support/bundle';
import { launchChromium } from './support/chromium';
import { callerOf } from './support/page';
import { htmlPage, servePages, type PageServer } from './support/pageServer';

const QUESTION = 'Solve 2x + 3 = 7';
const ANSWER = 'x = 2. Subtract 3 from both sides to get 2x = 4, then divide both sides by 2.';

let browser: Browser | undefined;
let pages: PageServer | undefined;

/** PGlite's WebAssembly and data files, served beside the page's bundle as it asks for them. */
function pgliteFiles() {
  const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  const file = (name: string, type: string) => ({ type, body: readFileSync(join(dist, name)) });
  return {
    '/pglite.wasm': file('pglite.wasm', 'application/wasm'),
    '/initdb.wasm': file('initdb.wasm', 'application/wasm'),
    '/pglite.data': file('pglite.data', 'application/octet-stream'),
  };
}

beforeAll(async () => {
  pages = await servePages({
    '/': htmlPage('/page.js', 'IndexedDB store'),
    // PGlite imports node: modules only when it runs in Node.
    '/page.js': {
      type: 'text/javascript',
      body: await bundlePage('test/browser/pages/idbPage.ts', ['node:*']),
    },
    ...pgliteFiles(),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
});

describe('the runtime in a page, on PGlite in IndexedDB', () => {
  it('keeps a thread and its reply across a reload, and shows them in another tab', async () => {
    // One browser profile (context), as a user's: its tabs share IndexedDB.
    const context = await browser!.newContext();
    const open = async () => {
      const page = await context.newPage();
      await page.goto(`${pages!.origin}/`);
      await page.waitForFunction(() => 'idbPage' in globalThis);
      return page;
    };
    const page = await open();
    const asked = await callerOf<IdbPage>(page, 'idbPage')('ask', QUESTION);
    expect(asked.reply).toBe(ANSWER);

    await page.reload();
    await page.waitForFunction(() => 'idbPage' in globalThis);
    const after = await callerOf<IdbPage>(page, 'idbPage')('threads');
    expect(after).toEqual([{ id: asked.threadId, texts: [QUESTION, ANSWER] }]);

    const other = await open();
    expect(await callerOf<IdbPage>(other, 'idbPage')('threads')).toEqual(after);
    await context.close();
  });
});
