// End to end, in a real headless Chromium: the built app (`ng build`) served
// from 127.0.0.1 asks the tutor "Solve 2x + 3 = 7", on the embedded runtime
// in the page and on `rx-assistants serve --cors <page origin>`. Run it with
// `npm run e2e` after `ng build`. The browser is the system's Chromium
// (/usr/bin/chromium, or CHROMIUM_PATH); nothing leaves loopback.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('..', import.meta.url));
const dist = join(here, 'dist/rx-assistants-angular/browser');
const screenshots = join(here, 'screenshots');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Generous: the machine may be busy. */
const WAIT = 60_000;

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves the built app on 127.0.0.1 (any other path is the app's index.html). */
async function serveApp() {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://app').pathname));
    let file = join(dist, path);
    if (!file.startsWith(dist) || !existsSync(file) || !extname(file))
      file = join(dist, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The installed package's CLI, as `npx rx-assistants` runs it. */
function cliPath() {
  const pkg = join(here, 'node_modules/rx-assistants');
  const { bin } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  return join(pkg, typeof bin === 'string' ? bin : bin['rx-assistants']);
}

/** Starts `rx-assistants serve --port 0 --cors <origin>` and resolves with its base URL. */
async function serveAssistants(origin) {
  const child = spawn(process.execPath, [cliPath(), 'serve', '--port', '0', '--cors', origin], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit');
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\/v1/.exec(stdout);
      if (match) resolve(match[0]);
    });
    exited.then(([code]) =>
      reject(new Error(`rx-assistants serve exited with ${code}:\n${stderr}`)),
    );
  });
  return {
    url,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

let app;
let browser;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), `No build in ${dist}: run ng build first.`);
  assert.ok(existsSync(CHROMIUM_PATH), `No Chromium at ${CHROMIUM_PATH}: set CHROMIUM_PATH.`);
  mkdirSync(screenshots, { recursive: true });
  app = await serveApp();
  // A fresh profile in a temporary directory, removed on close().
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/**
 * Opens the app at `path`, asks "Solve 2x + 3 = 7", and waits for the run's
 * statuses and the reply. Returns the page's requests (`METHOD url`).
 */
async function askTheTutor(path, mode, screenshot) {
  const page = await browser.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  try {
    await page.goto(app.origin + path);
    await page.getByTestId('mode').filter({ hasText: mode }).waitFor({ timeout: WAIT });
    await page.getByLabel('Question').fill('Solve 2x + 3 = 7');
    await page.getByRole('button', { name: 'Ask' }).click();

    // Each status appears as the run reaches it.
    const statuses = page.getByTestId('status');
    await statuses.filter({ hasText: 'queued' }).waitFor({ timeout: WAIT });
    await statuses.filter({ hasText: 'completed' }).waitFor({ timeout: WAIT });
    assert.deepEqual(await statuses.allTextContents(), ['queued', 'in_progress', 'completed']);
    const reply = page.getByTestId('reply');
    await reply.waitFor({ timeout: WAIT });
    assert.match(await reply.textContent(), /x = 2/);
    assert.equal(await page.getByRole('button', { name: 'Cancel' }).isDisabled(), true);

    await page.screenshot({ path: join(screenshots, screenshot), fullPage: true });
    assert.deepEqual(errors, []);
    return requests;
  } finally {
    await page.close();
  }
}

test('embedded runtime: the tutor runs in the page', { timeout: 3 * WAIT }, async () => {
  const requests = await askTheTutor('/', 'Embedded runtime', 'embedded.png');
  // Nothing but the app's own files.
  assert.deepEqual(
    requests.filter((request) => !request.startsWith(`GET ${app.origin}/`)),
    [],
  );
});

test(
  'server: the page drives rx-assistants serve --cors <page origin>',
  { timeout: 3 * WAIT },
  async () => {
    const server = await serveAssistants(app.origin);
    try {
      const requests = await askTheTutor(
        `/?server=${encodeURIComponent(server.url)}`,
        `Server: ${server.url}`,
        'server.png',
      );
      // One question, one run, though four things on the page watch it: a POST
      // to /threads/{id}/runs, or to /threads/runs (a thread and its run at once).
      const runsCreated = requests.filter((request) =>
        /^POST \S+\/v1\/threads(\/[^/]+)?\/runs$/.test(request),
      );
      assert.equal(runsCreated.length, 1, requests.join('\n'));
    } finally {
      await server.stop();
    }
  },
);
