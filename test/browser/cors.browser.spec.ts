// A web page on another loopback origin uses the official SDK, in a real
// headless Chromium, against the real `rx-assistants serve`: allowed by
// `--cors <its origin>`, with streaming and with polling; refused without it,
// or when --cors names another origin; and its cross-site "simple" POSTs
// change nothing.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SdkPage } from './pages/sdkPage';
import { allSettledOrThrow } from './support/all';
import { assistantIds } from './support/api';
import { bundlePage } from './support/bundle';
import { launchChromium } from './support/chromium';
import { startCli, type CliServer } from './support/cli';
import { watchNetwork, type NetworkLog } from './support/network';
import { openPage, type PageCall } from './support/page';
import { htmlPage, servePages, type PageServer } from './support/pageServer';

const QUESTION = 'Solve 2x + 3 = 7';
const ANSWER = 'x = 2';

let browser: Browser | undefined;
let pages: PageServer | undefined;
const servers: CliServer[] = [];
/** `serve --cors <the page's origin>`. */
let allowed: CliServer;
/** `serve`, without --cors. */
let closed: CliServer;
/** `serve --cors http://localhost:<the page's port>`: same port, another origin. */
let elsewhere: CliServer;
/** `serve --cors <the page's origin> --api-key <KEY>`. */
let keyed: CliServer;
const KEY = 'browser-test-key';
let call: PageCall<SdkPage>;
let network: NetworkLog;

const start = async (args: string[]) => {
  const server = await startCli(args);
  servers.push(server);
  return server;
};

beforeAll(async () => {
  pages = await servePages();
  const { origin } = pages;
  let script: string;
  [script, browser, allowed, closed, elsewhere, keyed] = await allSettledOrThrow([
    bundlePage('test/browser/pages/sdkPage.ts'),
    launchChromium().then((launched) => (browser = launched)),
    start(['--cors', origin]),
    start([]),
    start(['--cors', `http://localhost:${pages.port}`]),
    start(['--cors', origin, '--api-key', KEY]),
  ]);
  pages.files['/'] = htmlPage('/sdkPage.js');
  pages.files['/sdkPage.js'] = { type: 'text/javascript', body: script };
  const opened = await openPage<SdkPage>(browser!, `${origin}/`, 'sdkPage');
  call = opened.call;
  network = await watchNetwork(opened.page);
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  const codes = await Promise.all(servers.map((server) => server.stop()));
  expect(codes.every((code) => code === 0)).toBe(true);
});

/** What the server answered to the page's `method` of `url` (`OPTIONS`: the preflight). */
const answerTo = (method: string, url: string, from: number) =>
  network.request((seen) => seen.method === method && seen.url === url, from);

describe('a page of an origin that --cors allows', () => {
  it('runs the tutor through the SDK, streaming', async () => {
    const from = network.requests.length;
    const result = await call('streamingRun', allowed.url, QUESTION);

    if (!result.ok) expect.fail(`the page's streamed run failed: ${JSON.stringify(result)}`);
    expect(result.status).toBe('completed');
    expect(result.text).toContain(ANSWER);
    expect(result.deltas).toBe(result.text);
    const runEvents = result.events.filter(
      (event) => event.startsWith('thread.run.') && !event.startsWith('thread.run.step.'),
    );
    expect(runEvents).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.completed',
    ]);
    expect(result.events).toContain('thread.message.delta');
    expect(result.events.indexOf('thread.message.completed')).toBeLessThan(
      result.events.indexOf('thread.run.completed'),
    );
    // Access-Control-Expose-Headers lets the SDK read the request id.
    expect(result.requestId).toMatch(/^req_/);
    // The SDK's JSON requests were preflighted, and the server allowed them.
    const preflight = await answerTo('OPTIONS', `${allowed.url}/assistants`, from);
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(pages!.origin);
  });

  it('runs the tutor through the SDK, polling (createAndPoll)', async () => {
    const result = await call('pollingRun', allowed.url, QUESTION);

    if (!result.ok) expect.fail(`the page's polled run failed: ${JSON.stringify(result)}`);
    expect(result.status).toBe('completed');
    expect(result.text).toContain(ANSWER);
    expect(result.requestId).toMatch(/^req_/);
    // The poll hint is exposed too, so createAndPoll does not fall back to 5 s.
    expect(Number(result.pollAfterMs)).toBeGreaterThan(0);
  });
});

describe('a page of an origin that --cors allows, with --api-key', () => {
  it('gets its preflights answered without the key, and its errors readable', async () => {
    const from = network.requests.length;
    const created = await call('createAssistant', keyed.url, KEY);
    const wrongKey = await call('createAssistant', keyed.url, 'not-the-key');

    expect(created).toMatchObject({ ok: true, id: expect.stringMatching(/^asst_/) });
    expect(await assistantIds(keyed.url, KEY)).toEqual([created.ok && created.id]);
    // Browsers send no Authorization with a preflight: it is answered before the key check.
    const preflight = await answerTo('OPTIONS', `${keyed.url}/assistants`, from);
    expect(preflight.status).toBe(204);
    // The 401 carries the CORS headers too, so the page reads it as the API's error.
    expect(wrongKey).toMatchObject({
      ok: false,
      kind: 'api',
      status: 401,
      code: 'invalid_api_key',
    });
  });
});

describe('a page of an origin that --cors does not allow', () => {
  it.each([
    ['without --cors', () => closed],
    ['with --cors naming another origin', () => elsewhere],
  ])('is refused %s, and the server creates nothing', async (_, server) => {
    const { url } = server();
    const from = network.requests.length;
    const streaming = await call('streamingRun', url, QUESTION);
    const polling = await call('pollingRun', url, QUESTION);
    const read = await call('fetchJson', `${url}/assistants`);

    // The browser refuses to let the page see an answer: the SDK fails to connect.
    for (const result of [streaming, polling, read]) {
      expect(result).toMatchObject({ ok: false, kind: 'connection' });
    }
    // The server itself refused them: the preflight of the SDK's POST, and the plain GET.
    const preflight = await answerTo('OPTIONS', `${url}/assistants`, from);
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect((await answerTo('GET', `${url}/assistants`, from)).status).toBe(403);
    expect(await assistantIds(url)).toEqual([]);
  });
});

describe('a cross-site simple request (POST text/plain, no preflight)', () => {
  const body = JSON.stringify({ model: 'tutor', name: 'planted' });

  it('is refused by its Origin when --cors does not allow the page', async () => {
    const from = network.requests.length;
    const result = await call('postTextPlain', `${closed.url}/assistants`, body);

    // The browser sent it (an opaque answer): only the server stands in the way.
    expect(result).toEqual({ ok: true, type: 'opaque', status: 0 });
    expect((await answerTo('POST', `${closed.url}/assistants`, from)).status).toBe(403);
    expect(await assistantIds(closed.url)).toEqual([]);
  });

  it('is refused by its content type even from an allowed origin', async () => {
    const before = await assistantIds(allowed.url);
    const from = network.requests.length;
    const result = await call('postTextPlain', `${allowed.url}/assistants`, body);

    expect(result).toEqual({ ok: true, type: 'opaque', status: 0 });
    const answer = await answerTo('POST', `${allowed.url}/assistants`, from);
    expect(answer.status).toBe(415);
    expect(await assistantIds(allowed.url)).toEqual(before);
  });
});
