// DNS rebinding against the real `rx-assistants serve`, in a real headless
// Chromium: a page of evil.example whose name now resolves to 127.0.0.1 calls
// the server as a page of its own origin. Only the server's Host check stands
// in the way: the page's requests are same-origin, so CORS does not apply.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SdkPage } from './pages/sdkPage';
import { allSettledOrThrow } from './support/all';
import { assistantIds, getWithHost } from './support/api';
import { bundlePage } from './support/bundle';
import { launchChromium, resolveToLoopback } from './support/chromium';
import { startCli, type CliServer } from './support/cli';
import { callerOf } from './support/page';
import { htmlPage } from './support/pageServer';

const EVIL = 'evil.example';

let browser: Browser | undefined;
let server: CliServer | undefined;
let script: string;
let evilOrigin: string;

/** The refusal of a foreign Host: a 421 with the API's error shape. */
const hostNotAllowed = {
  error: {
    type: 'invalid_request_error',
    code: 'host_not_allowed',
    param: null,
    message: expect.stringContaining(`Host "${EVIL}:`),
  },
};

beforeAll(async () => {
  [script] = await allSettledOrThrow([
    bundlePage('test/browser/pages/sdkPage.ts'),
    // evil.example resolves to 127.0.0.1, as once rebound. Chromium's Local
    // Network Access checks are off: they would stop the page below (whose
    // address Chromium cannot know, as the test serves it) before it reached
    // the server, and browsers without them (Firefox, Safari) rely on the
    // server alone, which is what this file tests.
    launchChromium([resolveToLoopback(EVIL), '--disable-features=LocalNetworkAccessChecks']).then(
      (launched) => (browser = launched),
    ),
    startCli([]).then((started) => (server = started)),
  ]);
  evilOrigin = `http://${EVIL}:${server!.port}`;
});

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
});

describe('a foreign Host (DNS rebinding)', () => {
  it('is refused when the browser opens the API under that name', async () => {
    const page = await browser!.newPage();
    const response = await page.goto(`${evilOrigin}/v1/assistants`);

    expect(response?.status()).toBe(421);
    expect(await response?.json()).toEqual(hostNotAllowed);
    await page.close();
  });

  it("refuses the SDK of a page served as evil.example on the server's port", async () => {
    const page = await browser!.newPage();
    // The page as evil.example served it before its name was rebound to
    // 127.0.0.1; everything after goes to the network, that is to the server.
    const files = {
      '/': htmlPage('/sdkPage.js'),
      '/sdkPage.js': { type: 'text/javascript', body: script },
    };
    for (const [path, file] of Object.entries(files)) {
      await page.route(`${evilOrigin}${path}`, (route) =>
        route.fulfill({ contentType: file.type, body: file.body }),
      );
    }
    await page.goto(`${evilOrigin}/`);
    await page.waitForFunction(() => 'sdkPage' in globalThis);
    const call = callerOf<SdkPage>(page, 'sdkPage');

    expect(await page.evaluate(() => location.origin)).toBe(evilOrigin);
    const created = await call('createAssistant', `${evilOrigin}/v1`);
    const read = await call('fetchJson', '/v1/assistants');

    expect(created).toMatchObject({
      ok: false,
      kind: 'api',
      status: 421,
      code: 'host_not_allowed',
    });
    expect(read).toEqual({ ok: true, status: 421, body: hostNotAllowed });
    expect(await assistantIds(server!.url)).toEqual([]);
    await page.close();
  });

  it('is refused to a program too, while the loopback names pass', async () => {
    const port = server!.port;
    const url = `${server!.url}/assistants`;

    expect(await getWithHost(url, `${EVIL}:${port}`)).toEqual({
      status: 421,
      body: hostNotAllowed,
    });
    expect(await getWithHost(url, EVIL)).toMatchObject({ status: 421 });
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect(await getWithHost(url, host)).toMatchObject({ status: 200, body: { object: 'list' } });
    }
  });
});
