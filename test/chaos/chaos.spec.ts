/**
 * The client through a faulty network (test/support/faultProxy.ts): for each
 * target, strategy and transport, a few runs through 10% 500s, 5% 429s, 2%
 * resets, 3% 502s after the request took effect, and 5% delays, must all end
 * with their reply: no error surfaced, no duplicate run, no hang, and nothing
 * left open afterwards. The bare SDK's `createAndPoll` runs beside them for
 * comparison: only its hangs and leftovers are asserted. `npm run chaos` runs the same cases with large N.
 */
import { describe, expect, it } from 'vitest';
import {
  chaosCases,
  chaosTable,
  runChaosCase,
  type ChaosResult,
  type ChaosTargetKind,
} from '../support/chaos';

const RUNS = 12;
const CONCURRENCY = 6;

/** The Timeout entries keeping the process alive. */
const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

function report(target: ChaosTargetKind, results: ChaosResult[]) {
  const errors = results.flatMap((r) =>
    Object.entries(r.errors).map(([error, count]) => `- ${r.label}: ${count} × ${error}`),
  );
  console.log(
    `chaos, ${target}: ${RUNS} runs per case, ${CONCURRENCY} at a time\n\n${chaosTable(results)}\n${errors.join('\n')}`,
  );
}

describe.each<ChaosTargetKind>(['serve', 'thirdParty'])('chaos against %s', (target) => {
  it('every run ends with its reply: no failure, duplicate or hang, nothing left open', async () => {
    const before = timeouts();
    // The cases run side by side, each with its own server and proxy.
    const results = await Promise.all(
      chaosCases([target]).map((c, i) =>
        runChaosCase(c, {
          runs: RUNS,
          concurrency: CONCURRENCY,
          seed: 1000 + i,
          watchdogMs: 45_000,
          drainMs: 8_000,
        }),
      ),
    );
    report(target, results);
    for (const r of results) {
      const row = `${r.label}: ${JSON.stringify(r.errors)}`;
      // The bare SDK is the comparison, not the subject: its failures are only reported.
      if (r.strategy !== 'sdk') {
        expect.soft(r.failed, `failed, ${row}`).toBe(0);
        expect.soft(r.duplicates, `duplicates, ${row}`).toBe(0);
      }
      expect.soft(r.hangs, `hangs, ${row}`).toBe(0);
      expect.soft(r.unfinished, `unfinished, ${row}`).toBe(0);
      expect.soft(r.inFlightAfter, `requests still open, ${row}`).toBe(0);
      expect.soft(r.openConnectionsAfter, `connections still open, ${row}`).toBe(0);
    }
    // Servers and proxies are closed (awaited), their connections ended: any
    // timer left is the client's.
    expect(timeouts()).toBeLessThanOrEqual(before);
  }, 150_000);
});
