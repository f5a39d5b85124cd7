// Smoke test of the built package: each entry point is loaded with require()
// and with import() in a fresh Node process, by its package name, and a run is
// driven to its reply through the built code. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
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
  'rx-assistants/local': [],
  'rx-assistants/server': [],
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
