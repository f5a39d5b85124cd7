/**
 * The chaos benchmark: N runs per strategy, transport and target through a
 * proxy that injects faults (10% 500, 5% 429 with Retry-After, 2% connection
 * resets, 3% 502 after the request took effect, 5% delays of 0.3 to 1.5 s),
 * counting what reached the caller: errors, duplicate runs, hangs.
 *
 *   npm run chaos                          # 100 runs per case, 20 at a time
 *   npm run chaos -- --runs 1000 --write   # and put the table in docs/reliability.md
 *   npm run chaos -- --only run,sdk --target thirdParty --seed 7 --concurrency 10
 *
 * Targets: `serve(localBackend())` on a model whose runs take 0.2 to 1.5 s,
 * and a minimal third-party server (test/support/thirdPartyServer.ts) that
 * neither streams nor honours Idempotency-Key. The harness is
 * test/support/chaos.ts; everything listens on 127.0.0.1.
 *
 * Options: --runs N (100), --seed S (1), --concurrency C (20), --only
 * <strategies: run,ask,watch,sdk>, --target <serve|thirdParty>, --parallel P
 * (cases run side by side, 1), --watchdog MS (60000), --write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  chaosCases,
  chaosTable,
  runChaosCase,
  type ChaosResult,
  type ChaosStrategy,
  type ChaosTargetKind,
} from '../test/support/chaos';

const arg = (name: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const runs = Number(arg('runs') ?? 100);
const seed = Number(arg('seed') ?? 1);
const concurrency = Number(arg('concurrency') ?? 20);
const parallel = Number(arg('parallel') ?? 1);
const watchdogMs = Number(arg('watchdog') ?? 60_000);
const strategies = arg('only')?.split(',') as ChaosStrategy[] | undefined;
const targets = arg('target')?.split(',') as ChaosTargetKind[] | undefined;
const write = process.argv.includes('--write');

const cases = chaosCases(targets, strategies);
const results: ChaosResult[] = new Array(cases.length);
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Math.min(parallel, cases.length) }, async () => {
    while (next < cases.length) {
      const index = next++;
      const result = await runChaosCase(cases[index]!, {
        runs,
        concurrency,
        seed: seed * 1000 + index,
        watchdogMs,
      });
      results[index] = result;
      process.stderr.write(`${chaosTable([result]).split('\n')[2]}\n`);
      for (const [error, count] of Object.entries(result.errors)) {
        process.stderr.write(`    ${count} × ${error}\n`);
      }
    }
  }),
);

const faults = results.reduce<Record<string, number>>((sum, r) => {
  for (const [kind, count] of Object.entries(r.faults)) sum[kind] = (sum[kind] ?? 0) + count;
  return sum;
}, {});
const table = [
  `${runs} runs per row, ${concurrency} at a time, seed ${seed}; ${results.reduce((n, r) => n + r.requests, 0)} requests in ${((performance.now() - started) / 1000).toFixed(0)} s, of which ${Object.entries(
    faults,
  )
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ')}.`,
  '',
  chaosTable(results),
].join('\n');
console.log(table);

if (write) {
  const path = new URL('../docs/reliability.md', import.meta.url);
  const doc = readFileSync(path, 'utf8');
  const begin = '<!-- chaos-table:begin -->';
  const end = '<!-- chaos-table:end -->';
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/reliability.md has no ${begin} … ${end}`);
  const command = `npm run chaos -- ${process.argv.slice(2).join(' ')}`;
  writeFileSync(
    path,
    `${doc.slice(0, from + begin.length)}\n\nProduced by \`${command}\` on ${new Date().toISOString().slice(0, 10)}:\n\n${table}\n\n${doc.slice(to)}`,
  );
  console.error('docs/reliability.md updated');
}
