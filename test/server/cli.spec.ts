import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../src/server/cliArgs';

describe('parseCliArgs', () => {
  it('serves the tutor on 127.0.0.1:8787 by default', () => {
    expect(parseCliArgs(['serve'])).toEqual({
      kind: 'serve',
      host: '127.0.0.1',
      port: 8787,
      model: { kind: 'tutor' },
    });
  });

  it('reads every option', () => {
    const argv = [
      'serve',
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--api-key',
      'k',
      '--model',
      'chat:llama3.2',
    ];
    expect(parseCliArgs(argv)).toEqual({
      kind: 'serve',
      host: '0.0.0.0',
      port: 0,
      apiKey: 'k',
      model: { kind: 'chat', name: 'llama3.2' },
    });
    expect(parseCliArgs(['serve', '--port=9000', '--model=tutor'])).toMatchObject({ port: 9000 });
  });

  it('reads a Responses API model', () => {
    expect(parseCliArgs(['serve', '--model', 'responses:gpt-4.1-mini'])).toMatchObject({
      model: { kind: 'responses', name: 'gpt-4.1-mini' },
    });
    expect(parseCliArgs(['serve', '--model=responses:o4-mini'])).toMatchObject({
      model: { kind: 'responses', name: 'o4-mini' },
    });
  });

  it('takes the key from RX_ASSISTANTS_API_KEY unless --api-key is given', () => {
    const env = { RX_ASSISTANTS_API_KEY: 'from-env' };
    expect(parseCliArgs(['serve'], env)).toMatchObject({ apiKey: 'from-env' });
    expect(parseCliArgs(['serve', '--api-key', 'flag'], env)).toMatchObject({ apiKey: 'flag' });
  });

  it('reads --db as a directory for PGlite or a postgres:// URL, or DATABASE_URL', () => {
    expect(parseCliArgs(['serve', '--db', './data'])).toMatchObject({
      db: { kind: 'pglite', dir: './data' },
    });
    const url = 'postgres://rx:secret@127.0.0.1:5432/rx';
    expect(parseCliArgs(['serve', '--db', url])).toMatchObject({ db: { kind: 'postgres', url } });
    const env = { DATABASE_URL: 'postgresql://127.0.0.1/other' };
    expect(parseCliArgs(['serve'], env)).toMatchObject({
      db: { kind: 'postgres', url: 'postgresql://127.0.0.1/other' },
    });
    expect(parseCliArgs(['serve', '--db', 'here'], env)).toMatchObject({
      db: { kind: 'pglite', dir: 'here' },
    });
    expect(parseCliArgs(['serve'])).not.toHaveProperty('db');
    expect(parseCliArgs(['serve', '--db', 'here', '--lease-ttl', '5000'])).toMatchObject({
      leaseTtl: 5000,
    });
  });

  it('reads --cors as a list of origins and --insecure', () => {
    expect(
      parseCliArgs(['serve', '--cors', 'http://127.0.0.1:5173, https://app.example/']),
    ).toMatchObject({ cors: ['http://127.0.0.1:5173', 'https://app.example'] });
    expect(parseCliArgs(['serve', '--host', '0.0.0.0', '--insecure'])).toEqual({
      kind: 'serve',
      host: '0.0.0.0',
      port: 8787,
      model: { kind: 'tutor' },
      insecure: true,
    });
    expect(parseCliArgs(['serve', '--host', 'localhost'])).toMatchObject({ host: 'localhost' });
    expect(parseCliArgs(['serve', '--host', '::1'])).toMatchObject({ host: '::1' });
  });

  it('asks for help with --help or -h, with or without a command', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['serve', '-h'])).toEqual({ kind: 'help' });
  });

  it('asks for the version with --version or -v, with or without a command', () => {
    expect(parseCliArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parseCliArgs(['-v'])).toEqual({ kind: 'version' });
    expect(parseCliArgs(['serve', '--version'])).toEqual({ kind: 'version' });
    expect(parseCliArgs(['--help', '--version'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /Missing command/],
    [['--version=1'], /--version/],
    [['start'], /Unknown command 'start'/],
    [['serve', 'now'], /Unexpected argument 'now'/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['serve', '--port'], /--port/],
    [['serve', '--port', 'abc'], /--port must be an integer/],
    [['serve', '--port', '-1'], /--port/],
    [['serve', '--port', '65536'], /--port must be an integer/],
    [['serve', '--port', '1.5'], /--port must be an integer/],
    [['serve', '--model', 'gpt'], /--model must be/],
    [['serve', '--model', 'chat:'], /--model must be/],
    [['serve', '--model', 'responses:'], /--model must be/],
    [['serve', '--model', 'responses'], /--model must be/],
    [['serve', '--host', ''], /--host/],
    [['serve', '--api-key', ''], /key must not be empty/],
    [['serve', '--db', ''], /--db must not be empty/],
    [['serve', '--db', 'd', '--lease-ttl', '1.5'], /--lease-ttl must be a whole number/],
    [
      ['serve', '--db', 'd', '--lease-ttl', '50'],
      /--lease-ttl must be a whole number of ms, at least 100/,
    ],
    [['serve', '--lease-ttl', '5000'], /--lease-ttl needs --db/],
    [['serve', '--db', 'mysql://127.0.0.1/rx'], /--db must be a directory or a postgres:\/\/ URL/],
    [['serve', '--host', '0.0.0.0'], /--host 0\.0\.0\.0 is not loopback.*--insecure/],
    [['serve', '--host', '192.168.1.2', '--port', '0'], /not loopback/],
    [['serve', '--cors', 'http://127.0.0.1:5173/app'], /--cors must list origins/],
    [['serve', '--cors', '*'], /--cors must list origins/],
    [['serve', '--cors', ''], /--cors must list origins/],
    [['serve', '--cors'], /--cors/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

/** Runs the CLI from its sources, as `rx-assistants ...`. */
function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn('node_modules/.bin/tsx', ['src/server/cli.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exit, out: () => stdout, err: () => stderr };
}

/** Waits for the CLI to print its base URL. */
async function urlOf(run: ReturnType<typeof cli>): Promise<string> {
  for (;;) {
    const match = /http:\/\/127\.0\.0\.1:\d+\/v1/.exec(run.out());
    if (match) return match[0];
    const exited = await Promise.race([
      run.exit.then(() => true),
      once(run.child.stdout!, 'data').then(() => false),
    ]);
    if (exited) throw new Error(`The CLI exited early: ${run.err()}`);
  }
}

/**
 * Stops a CLI still running and waits for it to exit. SIGTERM, not SIGKILL:
 * tsx passes it on to the server process, which a SIGKILL of tsx would orphan.
 */
async function stop(run: ReturnType<typeof cli>): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill('SIGTERM');
  await run.exit;
}

describe('the rx-assistants command', () => {
  it('serves, prints its URL and a hint, answers, and exits 0 on SIGINT', async () => {
    const run = cli(['serve', '--port', '0']);
    try {
      const url = await urlOf(run);
      expect(run.out()).toContain(`new OpenAI({ baseURL: '${url}'`);
      const response = await fetch(`${url}/assistants`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ object: 'list', data: [] });
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(0);
    } finally {
      await stop(run);
    }
  });

  it('requires the key given in the environment, never prints it, and exits 0 on SIGTERM', async () => {
    const run = cli(['serve', '--port', '0'], { RX_ASSISTANTS_API_KEY: 'sk-cli-test-key' });
    try {
      const url = await urlOf(run);
      expect(run.out()).not.toContain('sk-cli-test-key');
      expect((await fetch(`${url}/assistants`)).status).toBe(401);
      const authorized = await fetch(`${url}/assistants`, {
        headers: { authorization: 'Bearer sk-cli-test-key' },
      });
      expect(authorized.status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
    } finally {
      await stop(run);
    }
  });

  it('answers the preflight of a --cors origin', async () => {
    const origin = 'http://127.0.0.1:5173';
    const run = cli(['serve', '--port', '0', '--cors', origin]);
    try {
      const url = await urlOf(run);
      const preflight = await fetch(`${url}/assistants`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
      const foreign = await fetch(`${url}/assistants`, {
        headers: { origin: 'http://evil.example' },
      });
      expect(foreign.status).toBe(403);
    } finally {
      await stop(run);
    }
  });

  it('refuses a non-loopback --host without a key (exit 2), and listens with --insecure', async () => {
    const refused = cli(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(await refused.exit).toBe(2);
    expect(refused.err()).toContain('--host 0.0.0.0 is not loopback');
    expect(refused.out()).toBe('');

    // Only listening: no traffic is sent to the non-loopback address.
    const run = cli(['serve', '--host', '0.0.0.0', '--port', '0', '--insecure']);
    try {
      while (!/http:\/\/0\.0\.0\.0:\d+\/v1/.test(run.out())) {
        const exited = await Promise.race([
          run.exit.then(() => true),
          once(run.child.stdout!, 'data').then(() => false),
        ]);
        if (exited) throw new Error(`The CLI exited early: ${run.err()}`);
      }
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(0);
    } finally {
      await stop(run);
    }
  });

  it('prints the usage and exits 0 on --help', async () => {
    const run = cli(['--help']);
    expect(await run.exit).toBe(0);
    expect(run.out()).toMatch(/^Usage: rx-assistants serve/);
    expect(run.err()).toBe('');
  });

  it('prints the version of package.json and exits 0 on --version and -v', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const run = cli([flag]);
      expect(await run.exit).toBe(0);
      expect(run.out()).toBe(`${version}\n`);
      expect(run.err()).toBe('');
    }
  });

  it("runs from a clone's sources through the bin launcher, without a build", async () => {
    const { bin } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      bin: Record<string, string>;
    };
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin['rx-assistants']!,
      '--help',
    ]);
    expect(stdout).toMatch(/^Usage: rx-assistants serve/);
    expect(stdout).toContain('-v, --version');
  });

  it('prints the usage on stderr and exits 2 on a bad flag', async () => {
    const run = cli(['serve', '--prot', '80']);
    expect(await run.exit).toBe(2);
    expect(run.err()).toContain("Unknown option '--prot'");
    expect(run.err()).toContain('Usage: rx-assistants serve');
    expect(run.out()).toBe('');
  });
});
