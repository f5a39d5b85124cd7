import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Ends the run with one plain line, `N passed, N failed, N skipped`, for CI
 * logs: the very last line of the output.
 *
 * Vitest reports coverage (its totals, and any threshold it misses) after
 * `onTestRunEnd`, so with coverage on the line waits for
 * `onFinishedReportCoverage`, which Vitest calls on its reporters once coverage
 * is reported. When coverage is not reported (it is off, or tests failed and
 * `reportOnFailure` is off) or that hook is not called, the line is printed
 * when the process exits.
 */
export default class SummaryReporter implements Reporter {
  private coverage = false;
  private pending: string | undefined;
  private readonly flushOnExit = () => this.flush();

  onInit(vitest: Vitest): void {
    this.coverage = vitest.config.coverage.enabled;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed' || state === 'failed') counts[state]++;
        else counts.skipped++;
      }
    }
    this.pending = `\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`;
    if (this.coverage) process.once('exit', this.flushOnExit);
    else this.flush();
  }

  /** Called by Vitest after the coverage report and its threshold checks. */
  onFinishedReportCoverage(): void {
    this.flush();
  }

  private flush(): void {
    process.off('exit', this.flushOnExit);
    if (this.pending === undefined) return;
    // Synchronous on Linux for pipes, files and terminals: safe in an 'exit' listener.
    process.stdout.write(this.pending);
    this.pending = undefined;
  }
}
