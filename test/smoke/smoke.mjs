// Smoke test of the built package: each entry point is loaded with require()
// and with import() in a fresh Node process, by its package name, and a run is
// driven to its reply through the built code. Run after `npm run build`.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

const expected = {
  'rx-assistants': [
    'rxAssistants',
    'openaiBackend',
    'adaptivePoll',
    'fanOutRuns',
    'collectRuns',
    'RunError',
    'RunTimeoutError',
  ],
  'rx-assistants/testing': ['createTestScheduler', 'timelineBackend'],
  'rx-assistants/local': [
    'localBackend',
    'tutorModel',
    'chatCompletionsModel',
    'responsesModel',
    'memoryStore',
  ],
  'rx-assistants/server': ['serve', 'createApp'],
  'rx-assistants/sql': ['sqlStore', 'pglite', 'pg', 'SqlStoreError'],
};

const check = `
  const expected = ${JSON.stringify(expected)};
  for (const [entry, names] of Object.entries(expected)) {
    const mod = LOAD(entry);
    for (const name of names) {
      if (typeof mod[name] !== 'function') throw new Error(entry + ' lacks ' + name);
    }
  }
  const { rxAssistants, replyText } = LOAD('rx-assistants');
  const { timelineBackend } = LOAD('rx-assistants/testing');
  const { lastValueFrom, concatMap } = LOAD('rxjs');
  const rx = rxAssistants(timelineBackend({ runs: 'q-i-c', reply: 'x = 1' }), { poll: 1 });
  lastValueFrom(
    rx.assistants.create({ model: 'm' }).pipe(concatMap((a) => rx.ask(a.id, '3x + 11 = 14')), replyText()),
  ).then((text) => {
    if (text !== 'x = 1') throw new Error('unexpected reply ' + text);
    console.log('FORMAT ok: ' + Object.keys(expected).join(', '));
  });
`;

const runs = {
  cjs: ['-e', check.replaceAll('LOAD(', 'require(').replace('FORMAT', 'require()')],
  esm: [
    '--input-type=module',
    '-e',
    check
      .replace(/LOAD\('([^']+)'\)/g, "(await import('$1'))")
      .replace('const mod = LOAD(entry);', 'const mod = await import(entry);')
      .replace('FORMAT', 'import()'),
  ],
};

for (const [format, args] of Object.entries(runs)) {
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  process.stdout.write(out);
  if (!out.includes('ok:')) throw new Error(`${format} smoke test printed nothing`);
}

// The built command line: `node dist/cli.js serve --port 0` starts, answers
// GET /v1/assistants, and exits 0 on SIGINT.
const cli = spawn(process.execPath, ['dist/cli.js', 'serve', '--port', '0'], { cwd: root });
const exited = new Promise((resolve) =>
  cli.on('exit', (code, signal) => resolve({ code, signal })),
);
const url = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error(`the CLI printed no URL: ${out}`)), 15_000);
  cli.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
    if (match) {
      clearTimeout(timer);
      resolve(match[1]);
    }
  });
  cli.on('exit', (code) => reject(new Error(`the CLI exited with ${code}: ${out}`)));
});
const response = await fetch(`${url}/assistants`);
const body = await response.json();
if (response.status !== 200 || body.object !== 'list') {
  throw new Error(`GET /v1/assistants answered ${response.status} ${JSON.stringify(body)}`);
}
cli.kill('SIGINT');
const { code, signal } = await exited;
if (code !== 0) throw new Error(`the CLI exited with ${code ?? signal} on SIGINT`);
console.log(`cli ok: ${url} answered GET /assistants, and exited 0 on SIGINT`);
