import { TestScheduler } from 'rxjs/testing';
import { isTerminalStatus } from '../../backend/runStatus';
import type { RunStatus } from '../../backend/types';

const STATUS_OF_LETTER: Readonly<Record<string, RunStatus>> = {
  ...{ q: 'queued', i: 'in_progress', r: 'requires_action', n: 'cancelling', x: 'cancelled' },
  ...{ c: 'completed', f: 'failed', e: 'expired', u: 'incomplete' },
};

/**
 * Parses a run timeline such as `'q-i--c'` with RxJS's marble parser in run
 * mode (1 ms frames, spaces ignored, `(ic)` groups, `|` ends it) into rounds:
 * each `r` ends one, and the next counts its frames from the submit. It stops
 * at its first terminal letter; after `n`, only `x` counts.
 *
 * ## Example
 *
 * ```ts
 * import { parseTimeline } from 'src/local/models/timelineMarbles';
 *
 * parseTimeline('q-i-r-c'); // [[queued@0, in_progress@2, requires_action@4], [completed@2]]
 * ```
 *
 * @throws {TypeError} On anything but the status letters and marble syntax.
 */
export function parseTimeline(
  timeline: string,
): Array<Array<{ frame: number; status: RunStatus }>> {
  const marker = typeof timeline === 'string' ? /[#^!]/.exec(timeline)?.[0] : typeof timeline;
  if (marker)
    throw new TypeError(`Run timeline '${timeline}': '${marker}' has no meaning in a run.`);
  // Outside TestScheduler.run() a frame is 10 ms; a run timeline is always 1 ms per frame.
  const frameTimeFactor = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  let messages: ReturnType<typeof TestScheduler.parseMarbles>;
  try {
    messages = TestScheduler.parseMarbles(timeline, undefined, undefined, false, true);
  } finally {
    TestScheduler.frameTimeFactor = frameTimeFactor;
  }
  const rounds: Array<Array<{ frame: number; status: RunStatus }>> = [[]];
  let [origin, over, cancelling] = [0, false, false];
  for (const { frame, notification } of messages) {
    if (notification.kind !== 'N') break;
    const letter = String(notification.value);
    const status = STATUS_OF_LETTER[letter];
    if (!status) {
      throw new TypeError(
        `Run timeline '${timeline}': unknown letter '${letter}' (use q i r n x c f e u).`,
      );
    }
    if (over || (cancelling && status !== 'cancelled')) continue;
    rounds[rounds.length - 1]!.push({ frame: frame - origin, status });
    [cancelling, over] = [cancelling || status === 'cancelling', isTerminalStatus(status)];
    if (status === 'requires_action') {
      origin = frame;
      rounds.push([]);
    }
  }
  return rounds;
}
